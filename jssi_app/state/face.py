"""待遇认证 → 人脸识别认证 (the pensioner) and 采集参保登记照片 (the clerk).

The camera runs in the browser (getUserMedia); a frame is drawn onto a canvas and comes back to
`submit_camera` as a JPEG data URL through `rx.call_script(..., callback=...)`. Without a camera (or
permission) the person uploads a photo instead (`upload_photo`). Either way every handler checks the
session itself, and the face comparison runs in a worker thread (services/face_certification.py).
"""

from __future__ import annotations

import reflex as rx

from jssi_app import routes
from jssi_app.adapters.clock import utcnow
from jssi_app.config import settings
from jssi_app.domain import face_certification as rules
from jssi_app.domain.errors import InvalidValue
from jssi_app.services import face_certification
from jssi_app.state.base import SIGN_OUT_RESETS as _SIGN_OUT_RESETS
from jssi_app.state.base import AppState, call_service
from jssi_app.state.forms import FormMixin
from jssi_app.state.staff import SIGN_OUT_RESETS, StaffMixin

CAMERA_MESSAGES = {
    "unsupported": "当前浏览器不支持摄像头拍照，请使用下方“上传照片”完成认证。",
    "NotAllowedError": "未获得摄像头使用权限。请在浏览器中允许使用摄像头后重试，或使用下方“上传照片”。",
    "NotFoundError": "未找到摄像头，请使用下方“上传照片”完成认证。",
    "NotReadableError": "摄像头正被其他程序占用，请关闭其他程序后重试，或使用下方“上传照片”。",
}
CAMERA_FAILED = "无法开启摄像头，请使用下方“上传照片”完成认证。"

# Start the front camera in the page's <video>; answers "on", "unsupported" or "error:<DOMException name>".
START_CAMERA_JS = """(async () => {
  const video = document.getElementById('face-video');
  if (!video || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) return 'unsupported';
  try {
    if (window.__jssiFaceStream) window.__jssiFaceStream.getTracks().forEach(t => t.stop());
    const stream = await navigator.mediaDevices.getUserMedia(
      {video: {facingMode: 'user', width: {ideal: 1280}, height: {ideal: 720}}, audio: false});
    window.__jssiFaceStream = stream;
    video.srcObject = stream;
    await video.play();
    return 'on';
  } catch (e) {
    return 'error:' + ((e && e.name) || 'Error');
  }
})()"""

# One frame as a JPEG data URL, long side at most 800 px (well under the websocket's 1 MB message limit).
CAPTURE_JS = """(async () => {
  const video = document.getElementById('face-video');
  if (!video || !video.srcObject) return '';
  for (let i = 0; i < 50 && !video.videoWidth; i++) await new Promise(r => setTimeout(r, 100));
  if (!video.videoWidth) return '';
  const scale = Math.min(1, 800 / Math.max(video.videoWidth, video.videoHeight));
  const canvas = document.createElement('canvas');
  canvas.width = Math.round(video.videoWidth * scale);
  canvas.height = Math.round(video.videoHeight * scale);
  canvas.getContext('2d').drawImage(video, 0, 0, canvas.width, canvas.height);
  return canvas.toDataURL('image/jpeg', 0.9);
})()"""

STOP_CAMERA_JS = """(() => {
  if (window.__jssiFaceStream) { window.__jssiFaceStream.getTracks().forEach(t => t.stop()); window.__jssiFaceStream = null; }
  const video = document.getElementById('face-video');
  if (video) video.srcObject = null;
  return 'off';
})()"""


class FaceCertificationState(FormMixin, AppState):
    loaded: bool = False
    eligible: bool = False
    reason: str = ""
    has_reference: bool = False
    certified: bool = False
    status_label: str = ""
    due_text: str = ""
    valid_until: str = ""
    method_label: str = ""
    tries_left: int = 0
    blocked_today: bool = False
    manual_task_open: bool = False
    due_now: bool = False
    # The last try: outcome code (matched | no_face | several_faces | mismatch) and its message.
    outcome: str = ""
    outcome_message: str = ""
    camera: str = "off"  # off | starting | on | unavailable
    camera_message: str = ""

    @rx.var
    def can_try(self) -> bool:
        return self.loaded and self.eligible and self.has_reference and not self.blocked_today and self.due_now

    def _apply(self, view: face_certification.Overview) -> None:
        self.loaded = True
        self.eligible, self.reason, self.has_reference = view.eligible, view.reason, view.has_reference
        self.certified, self.status_label, self.due_text = view.certified, view.status_label, view.due_text
        self.valid_until, self.method_label = view.valid_until, view.method_label
        self.tries_left, self.blocked_today = view.tries_left, view.blocked_today
        self.manual_task_open, self.due_now = view.manual_task_open, view.due_now

    async def _refresh(self, account_id: int) -> None:
        self._apply(await call_service(face_certification.overview, account_id, now=utcnow()))

    @rx.event
    async def load(self):
        self.busy = False
        if not self._reconnected():  # an outcome shown or a camera turned on stays
            self._clear_errors()
            self.outcome = self.outcome_message = self.camera_message = ""
            self.camera = "off"
        account_id = self._person_id()
        if account_id is None:
            return self._to_login()
        await self._refresh(account_id)
        return None

    @rx.event
    def start_camera(self):
        self.camera, self.camera_message = "starting", ""
        return rx.call_script(START_CAMERA_JS, callback=FaceCertificationState.camera_started)

    @rx.event
    def camera_started(self, result: str):
        if result == "on":
            self.camera, self.camera_message = "on", ""
            return
        name = str(result or "").removeprefix("error:")
        self.camera = "unavailable"
        self.camera_message = CAMERA_MESSAGES.get(name, CAMERA_FAILED)

    @rx.event
    def capture(self):
        self._clear_errors()
        self.busy = True
        return rx.call_script(CAPTURE_JS, callback=FaceCertificationState.submit_camera)

    async def _attempt(self, photo: bytes | None, channel: str, error: Exception | None = None):
        self._clear_errors()
        self.outcome = self.outcome_message = ""
        account_id = self._person_id()
        if account_id is None:  # every try checks the session itself, whatever the page showed
            self.busy = False
            yield self._to_login()
            return
        self.busy = True
        yield
        try:
            if error is not None:
                raise error
            result = await call_service(face_certification.attempt, account_id, photo, channel=channel,
                                        client_ip=self._client_ip(), now=utcnow())
        except Exception as exc:  # noqa: BLE001 — refusals shown, unexpected ones logged
            self._show_error(exc)
            self.busy = False
            await self._refresh(account_id)
            yield self._focus_summary()
            return
        self.outcome, self.outcome_message = result.outcome, result.message
        self.busy = False
        await self._refresh(account_id)
        if result.certified or result.manual_required:
            self.camera = "off"
            yield rx.call_script(STOP_CAMERA_JS)

    @rx.event
    async def submit_camera(self, data_url: str):
        from jssi_app.adapters import face_match

        photo, error = None, None
        try:
            photo = face_match.photo_from_data_url(data_url, max_bytes=settings().max_upload_bytes)
        except InvalidValue as exc:
            error = exc
        async for step in self._attempt(photo, rules.CHANNEL_CAMERA, error):
            yield step

    @rx.event
    async def upload_photo(self, files: list[rx.UploadFile]):
        if self._person_id() is None:  # before reading anything of the upload
            yield self._to_login()
            return
        if not files:
            return
        # Read at most one byte past the limit: the server must not take an unbounded body into memory.
        content = await files[0].read(settings().max_upload_bytes + 1)
        async for step in self._attempt(content, rules.CHANNEL_UPLOAD):
            yield step


class FaceHomeState(AppState):
    """The 人脸识别认证 entry of the personal home: status and due date."""

    face_eligible: bool = False
    face_status: str = ""
    face_due: str = ""

    @rx.event
    async def load(self):
        account_id = self._person_id()
        if account_id is None:
            return None
        try:
            view = await call_service(face_certification.overview, account_id, now=utcnow())
        except face_certification.CertificationRefused:
            return None
        self.face_eligible, self.face_status, self.face_due = view.eligible, view.status_label, view.due_text
        return None


# --- 窗口经办: 采集参保登记照片 ----------------------------------------------------------------------------


class ClerkFaceState(StaffMixin, AppState):
    id_number: str = ""
    person: dict[str, str] = {}
    photo_url: str = ""
    notice: str = ""

    def _show_card(self, card: face_certification.PersonCard) -> None:
        self.person = {
            "person_id": str(card.person_id),
            "masked_name": card.masked_name,
            "masked_id_number": card.masked_id_number,
            "person_type": card.person_type,
            "insured_status": card.insured_status,
            "has_reference": "1" if card.has_reference else "",
            "enrolled_at": card.enrolled_at,
            "status_label": card.status_label,
            "due_text": card.due_text,
        }
        # The URL changes with each enrolment so the browser does not show a cached older photo.
        self.photo_url = (f"{routes.FACE_REFERENCE_FILE_PREFIX}/{card.person_id}?v={card.enrolled_at.replace(' ', '_')}"
                          if card.has_reference else "")

    @rx.event
    async def load(self):
        if not self._reconnected():  # the person the clerk found stays
            self._clear_errors()
            self.person, self.photo_url, self.notice, self.id_number = {}, "", "", ""
        staff_id = await self._staff()
        if not isinstance(staff_id, int):
            return staff_id
        return None

    @rx.event
    async def find(self, form_data: dict):
        self._clear_errors()
        self.notice = ""
        self.person, self.photo_url = {}, ""
        staff_id = await self._staff()
        if not isinstance(staff_id, int):
            return staff_id
        self.id_number = str(form_data.get("id_number", ""))[:40]
        card = await self._submit_service(face_certification.find_person, staff_id=staff_id,
                                          id_number=self.id_number, now=utcnow())
        if card is None:
            self.errors = {"id_number": self.summary[0]} if self.summary else {}
            return self._focus_summary()
        self._show_card(card)
        return None

    @rx.event
    async def upload_reference(self, files: list[rx.UploadFile]):
        self._clear_errors()
        self.notice = ""
        staff_id = await self._staff()
        if not isinstance(staff_id, int):
            yield staff_id
            return
        if not files or not self.person:
            return
        content = await files[0].read(settings().max_upload_bytes + 1)
        self.busy = True
        yield
        card = await self._submit_service(face_certification.enrol_reference, staff_id=staff_id,
                                          person_id=int(self.person["person_id"]), photo=content,
                                          client_ip=self._client_ip(), now=utcnow())
        if card is None:
            self.errors = {"photo": self.summary[0]} if self.summary else {}
            yield self._focus_summary()
            return
        self._show_card(card)
        self.notice = "参保登记照片已采集。"


# Sign-out empties what these pages showed: the person's own status, and what a clerk saw of a person.
_SIGN_OUT_RESETS["person"].extend([FaceCertificationState, FaceHomeState])
SIGN_OUT_RESETS.append(ClerkFaceState)
