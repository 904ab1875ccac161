"""The writer the kill -9 tests kill: registrations, unit uploads and review decisions through the real services.

`python -m tests.durability.driver --registry DIR --seed N` runs threads against the database of REFLEX_DB_URL
and the file store under JSSI_DATA_DIR until it is killed (or --seconds pass):
- person threads: 获取手机验证码 then 提交注册 for registry persons without an account;
- unit threads: 单位用户注册, the four required scans (上传资质材料), 提交; or they pick up a draft left by a killed
  run, or fix a rejected application (a new scan) and 重新提交;
- reviewer threads (one staff account each, given by --reviewers): 领取 then 通过 or 退回, also resuming their
  own claims from a killed run; two reviewers race for the same applications.

Protocol on stdout, one line per event, each written with a single os.write (shorter than PIPE_BUF, so a line is
never torn by the kill): `{"ev": "start", "op": ..., "id": ...}` before a service call and `{"ev": "ack", ...}`
after the service returned, i.e. after its commit. The test treats every ack as a submission the client saw
succeed; a start without an ack at the moment of a kill is an operation that was in flight.

bcrypt is replaced by one precomputed genuine hash (as tests/services/helpers.register does): it runs outside
every transaction, so it only slows the writer down and makes fewer kills land inside a transaction.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import itertools
import json
import os
import random
import sys
import threading
import time
from pathlib import Path
from unittest import mock

from PIL import Image
from sqlmodel import Session, col, select

import jssi_app.adapters.file_store  # noqa: F401  (imported inside the services: imported here once, before forking)
import jssi_app.adapters.scans  # noqa: F401
import jssi_app.domain.file_types  # noqa: F401
from jssi_app.adapters.clock import utcnow
from jssi_app.adapters.hashing import hash_password
from jssi_app.adapters.pii import cipher
from jssi_app.adapters.sms import OutboxSms
from jssi_app.db import engine
from jssi_app.domain.errors import DomainError
from jssi_app.domain.registration import PersonRegistrationForm
from jssi_app.domain.review import REQUIRED_MATERIALS, REJECTION_REASONS, ApplicationStatus
from jssi_app.domain.unit_registration import UnitRegistrationForm
from jssi_app.models.accounts import PersonAccount
from jssi_app.models.units import Material, MaterialRejection, ReviewRound, UnitApplication
from jssi_app.services import registration, review, sms_codes, unit_registration
from tests.services.helpers import PASSWORD, make_id
from tests.services.review_fixtures import make_uscc

_out_lock = threading.Lock()
_op_ids = itertools.count(1)
_stop = threading.Event()


def emit(**fields) -> None:
    fields["t"] = round(time.monotonic(), 3)
    line = (json.dumps(fields, ensure_ascii=False, sort_keys=True) + "\n").encode("utf-8")
    assert len(line) < 4096, "a line must fit in one atomic pipe write"
    with _out_lock:
        os.write(1, line)


class CapturingSms(OutboxSms):
    """The real outbox delivery; the code is also handed back to the thread that asked, as the phone would."""

    def __init__(self) -> None:
        super().__init__()
        self.last_code = ""

    def send(self, phone: str, purpose: str, code: str) -> None:
        super().send(phone, purpose, code)
        self.last_code = code


def session() -> Session:
    return Session(engine(), expire_on_commit=False)


def random_ip(rng: random.Random) -> str:
    # A new address per operation: the per-address throttles (20 registrations an hour) would stop a long run.
    return f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"


def random_phone(rng: random.Random) -> str:
    return f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}"


def scan_png(rng: random.Random) -> bytes:
    img = Image.new("RGB", (320, 220), tuple(rng.randrange(256) for _ in range(3)))
    for _ in range(12):  # some content, so each scan is a different file
        x, y = rng.randrange(300), rng.randrange(200)
        img.paste(tuple(rng.randrange(256) for _ in range(3)), (x, y, x + 20, y + 20))
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def run_op(op: str, fn, **start_fields):
    """Announce and call; the caller acknowledges with what it got back. A DomainError (e.g. a lost race) is
    reported as refused, not acknowledged. An SMS code send is acknowledged here (its check is a count)."""
    op_id = next(_op_ids)
    emit(ev="start", op=op, id=op_id, **start_fields)
    try:
        result = fn()
    except DomainError as exc:
        emit(ev="refused", op=op, id=op_id, code=getattr(exc, "code", ""), message=exc.message[:60])
        return None
    if op == "sms":
        emit(ev="ack", op=op, id=op_id)
    return op_id, result


# --- persons ---------------------------------------------------------------------------------------------------


def person_worker(idx: int, persons: list[dict], rng: random.Random) -> None:
    for person in persons:
        if _stop.is_set():
            return
        phone = random_phone(rng)
        ip = random_ip(rng)
        sms = CapturingSms()
        with session() as db:
            sent = run_op("sms", lambda: sms_codes.send_code(db, phone=phone, purpose="register", client_ip=ip,
                                                             now=utcnow(), sender=sms))
        if sent is None or not sms.last_code:
            continue
        form = PersonRegistrationForm(name=person["name"], id_number=person["id_number"], phone=phone, email="",
                                      password=PASSWORD, password_confirm=PASSWORD, sms_code=sms.last_code,
                                      agreed=True)
        with session() as db:
            done = run_op("person", lambda: registration.register_person(db, form, client_ip=ip, now=utcnow()),
                          id_number=person["id_number"])
        if done:
            op_id, result = done
            emit(ev="ack", op="person", id=op_id, account_id=result.account_id, id_number=person["id_number"],
                 name=person["name"], phone=phone)


# --- units -----------------------------------------------------------------------------------------------------


def unit_fields(seq: int, phone: str) -> dict[str, str]:
    """The 单位用户注册 form of unit number `seq` (its credit code's organisation code), without password and code."""
    return dict(unit_name=f"南京耐久{seq % 1000:03d}科技有限公司".translate(str.maketrans("0123456789", "零一二三四五六七八九")),
                credit_code=make_uscc(seq), legal_rep_id=make_id(seq % 1000, birth="19750102"),
                handler_name="王小明", handler_id=make_id((seq + 7) % 1000, birth="19900612"), handler_phone=phone,
                handler_email="")


def _register_unit(rng: random.Random, seq: int) -> tuple[int, int] | None:
    phone = random_phone(rng)
    ip = random_ip(rng)
    sms = CapturingSms()
    with session() as db:
        if run_op("sms", lambda: sms_codes.send_code(db, phone=phone, purpose="register", client_ip=ip, now=utcnow(),
                                                     sender=sms)) is None:
            return None
    fields = unit_fields(seq, phone)
    uscc = fields["credit_code"]
    form = UnitRegistrationForm(**fields, password=PASSWORD, password_confirm=PASSWORD, sms_code=sms.last_code,
                                agreed=True)
    with session() as db:
        done = run_op("unit", lambda: unit_registration.register_unit(db, form, client_ip=ip, now=utcnow()), uscc=uscc)
    if not done:
        return None
    op_id, result = done
    emit(ev="ack", op="unit", id=op_id, application_id=result.application_id, account_id=result.account_id,
         reference_no=result.reference_no, **fields)
    return result.application_id, result.account_id


def _upload(rng: random.Random, application_id: int, account_id: int, kind: str) -> bool:
    content = scan_png(rng)
    with session() as db:
        done = run_op("material", lambda: unit_registration.add_material(
            db, application_id, account_id=account_id, kind=kind, filename=f"{kind}.png", content=content,
            client_ip=random_ip(rng), now=utcnow()), application_id=application_id, kind=kind)
    if not done:
        return False
    op_id, result = done
    emit(ev="ack", op="material", id=op_id, material_id=result.material_id, application_id=application_id, kind=kind,
         sha256=hashlib.sha256(content).hexdigest(), size=len(content))
    return True


def _submit(rng: random.Random, application_id: int, account_id: int) -> None:
    with session() as db:
        done = run_op("submit", lambda: unit_registration.submit_application(
            db, application_id, account_id=account_id, client_ip=random_ip(rng), now=utcnow()),
            application_id=application_id)
    if done:
        op_id, result = done
        emit(ev="ack", op="submit", id=op_id, application_id=application_id, round=result.round_number)


def _leftover(idx: int, threads: int, status: ApplicationStatus) -> tuple[int, int] | None:
    """An application of this thread's share (id modulo the thread count) left in `status`."""
    with session() as db:
        rows = db.exec(select(UnitApplication.id, UnitApplication.account_id)
                       .where(UnitApplication.status == status.value).order_by(col(UnitApplication.id))).all()
        db.commit()
    mine = [r for r in rows if r[0] % threads == idx]
    return (int(mine[0][0]), int(mine[0][1])) if mine else None


def _missing_kinds(application_id: int) -> list[str]:
    with session() as db:
        live = {m.kind for m in unit_registration.current_materials(db, application_id)}
        db.commit()
    return [k.value for k in REQUIRED_MATERIALS if k.value not in live]


def _flagged_kinds(application_id: int) -> list[str]:
    with session() as db:
        app = db.get(UnitApplication, application_id)
        rnd = db.exec(select(ReviewRound).where(ReviewRound.application_id == application_id,
                                                ReviewRound.number == app.round_number)).first()
        kinds = [r.material_kind for r in db.exec(select(MaterialRejection)
                                                  .where(MaterialRejection.round_id == rnd.id)).all()] if rnd else []
        db.commit()
    return kinds


def unit_worker(idx: int, threads: int, rng: random.Random, seqs) -> None:
    while not _stop.is_set():
        draft = _leftover(idx, threads, ApplicationStatus.DRAFT)
        rejected = _leftover(idx, threads, ApplicationStatus.REJECTED) if rng.random() < 0.7 else None
        if rejected:
            app_id, account_id = rejected
            kinds = _flagged_kinds(app_id) or [REQUIRED_MATERIALS[0].value]
            if all(_upload(rng, app_id, account_id, k) for k in kinds):
                _submit(rng, app_id, account_id)
            continue
        if draft is None:
            draft = _register_unit(rng, next(seqs))
            if draft is None:
                continue
        app_id, account_id = draft
        if all(_upload(rng, app_id, account_id, k) for k in _missing_kinds(app_id)):
            _submit(rng, app_id, account_id)


# --- reviewers -------------------------------------------------------------------------------------------------


def _next_for_review(staff_id: int) -> tuple[int, int, str] | None:
    """(application id, version, status): first this reviewer's own claim left by a killed run, else the oldest
    submitted application."""
    with session() as db:
        row = db.exec(select(UnitApplication.id, UnitApplication.version, UnitApplication.status)
                      .where(UnitApplication.status == ApplicationStatus.IN_REVIEW.value,
                             UnitApplication.claimed_by == staff_id).limit(1)).first()
        if row is None:
            row = db.exec(select(UnitApplication.id, UnitApplication.version, UnitApplication.status)
                          .where(UnitApplication.status == ApplicationStatus.SUBMITTED.value)
                          .order_by(col(UnitApplication.submitted_at), col(UnitApplication.id)).limit(1)).first()
        db.commit()
    return (int(row[0]), int(row[1]), row[2]) if row else None


def reviewer_worker(staff_id: int, rng: random.Random) -> None:
    notifier = review.Notifier(sms=OutboxSms(), mail=None)
    while not _stop.is_set():
        found = _next_for_review(staff_id)
        if found is None:
            time.sleep(0.05)
            continue
        app_id, version, status = found
        if status == ApplicationStatus.SUBMITTED.value:
            with session() as db:
                done = run_op("claim", lambda: review.claim(db, app_id, staff_id=staff_id, now=utcnow(),
                                                            expected_version=version), application_id=app_id)
            if not done:
                continue
            op_id, result = done
            emit(ev="ack", op="claim", id=op_id, application_id=app_id, staff_id=staff_id, version=result.version)
            version = result.version
        approve = rng.random() < 0.6
        with session() as db:
            if approve:
                done = run_op("decision", lambda: review.approve(db, app_id, staff_id=staff_id, now=utcnow(),
                                                                 opinion="材料齐全", notifier=notifier,
                                                                 expected_version=version), application_id=app_id)
            else:
                kind = rng.choice(REQUIRED_MATERIALS).value
                reasons = {kind: (rng.choice(REJECTION_REASONS[:-1]), "请重新扫描上传")}
                done = run_op("decision", lambda: review.reject(db, app_id, staff_id=staff_id, now=utcnow(),
                                                                reasons=reasons, opinion="请按要求修改",
                                                                notifier=notifier, expected_version=version),
                              application_id=app_id)
        if done:
            op_id, result = done
            emit(ev="ack", op="decision", id=op_id, application_id=app_id, round=result.round_number,
                 decision=result.status.value, staff_id=staff_id)


# --- main ------------------------------------------------------------------------------------------------------


def unregistered_persons(registry: Path) -> list[dict]:
    with open(registry / "persons.csv", encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if len(r["id_number"]) == 18]
    c = cipher()
    with session() as db:
        taken = set(db.exec(select(PersonAccount.id_fp)).all())
        db.commit()
    return [r for r in rows if c.fingerprint("id_number", r["id_number"]) not in taken]


_cached_hash = ""  # set by serve() before forking: bcrypt once, not in every writer


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--registry", required=True, type=Path)
    p.add_argument("--seed", type=int, required=True)
    p.add_argument("--person-threads", type=int, default=1)
    p.add_argument("--unit-threads", type=int, default=2)
    p.add_argument("--reviewers", default="", help="staff ids, comma-separated: one reviewer thread each")
    p.add_argument("--seconds", type=float, default=0, help="stop after this long (0: until killed)")
    args = p.parse_args(argv)

    rng = random.Random(args.seed)
    persons = unregistered_persons(args.registry)
    rng.shuffle(persons)
    # Unit sequence numbers (the organisation code inside the credit code) never repeat across runs: the seed
    # differs per run and picks a block of its own.
    seqs = itertools.count((args.seed % 9000) * 10_000 + 1)  # 8 digits: the organisation code
    cached = _cached_hash or hash_password(PASSWORD)
    patches = [mock.patch.object(registration, "hash_password", lambda _pw: cached),
               mock.patch.object(unit_registration, "hash_password", lambda _pw: cached)]
    for patch in patches:
        patch.start()

    threads: list[threading.Thread] = []
    n = max(args.person_threads, 1)
    for i in range(args.person_threads):
        threads.append(threading.Thread(target=person_worker, args=(i, persons[i::n], random.Random(rng.random())),
                                        daemon=True))
    for i in range(args.unit_threads):
        threads.append(threading.Thread(target=unit_worker, args=(i, args.unit_threads, random.Random(rng.random()),
                                                                  seqs), daemon=True))
    for staff in filter(None, args.reviewers.split(",")):
        threads.append(threading.Thread(target=reviewer_worker, args=(int(staff), random.Random(rng.random())),
                                        daemon=True))
    emit(ev="ready", persons_left=len(persons))
    for t in threads:
        t.start()
    deadline = time.monotonic() + args.seconds if args.seconds else None
    while any(t.is_alive() for t in threads):
        if deadline and time.monotonic() > deadline:
            _stop.set()
        time.sleep(0.05)
    emit(ev="done")
    return 0


def serve(argv: list[str]) -> int:
    """Fork server: import everything once, then fork one writer per `run SEED EVENTS_FILE` line on stdin.

    Importing the app takes seconds (much longer on a loaded CI machine) and would dominate a test that restarts the
    writer dozens of times. A forked writer is still a process of its own that opens its own database connections
    (none exist before the fork) and its own file handles, runs in its own process group (setsid) and is killed
    with SIGKILL like any other: what dies is exactly the process doing the writes. This parent never touches the
    database and runs no threads, so forking it is safe.
    """
    global _cached_hash
    _cached_hash = hash_password(PASSWORD)
    out = sys.stdout
    out.write(json.dumps({"ev": "serving"}) + "\n")
    out.flush()
    for line in sys.stdin:
        cmd, *rest = line.split()
        if cmd == "run":
            seed, events = rest
            pid = os.fork()
            if pid == 0:
                code = 1
                try:
                    os.setsid()
                    fd = os.open(events, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
                    os.dup2(fd, 1)
                    os.close(fd)
                    code = main([*argv, "--seed", seed])
                except BaseException:  # noqa: BLE001  (reported on stderr; the child must never return here)
                    import traceback

                    traceback.print_exc()
                finally:
                    os._exit(code)
            out.write(json.dumps({"ev": "forked", "pid": pid}) + "\n")
        elif cmd == "reap":
            _, status = os.waitpid(int(rest[0]), 0)
            out.write(json.dumps({"ev": "reaped", "signal": os.WTERMSIG(status) if os.WIFSIGNALED(status) else 0,
                                  "exit": os.WEXITSTATUS(status) if os.WIFEXITED(status) else None}) + "\n")
        out.flush()
    return 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["--serve"]:
        sys.exit(serve(sys.argv[2:]))
    sys.exit(main())
