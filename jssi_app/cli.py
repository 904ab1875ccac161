"""Operator commands: `python -m jssi_app <command>`.

Exit codes: 0 success, 1 the operation failed (extract rejected, audit chain broken), 2 usage error.
Commands run against the configured database (REFLEX_DB_URL or the embedded SQLite file) and
assume the schema exists (make applies the migrations first).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path

MAX_LISTED_ERRORS = 200


def _print_report(report) -> None:  # noqa: ANN001
    print(f"导入完成，用时 {report.seconds:.1f} 秒")
    print(f"  参保人员：新增 {report.persons_added}，更新 {report.persons_updated}，未变 {report.persons_unchanged}")
    print(f"  参保单位：新增 {report.units_added}，更新 {report.units_updated}，未变 {report.units_unchanged}")
    print(
        f"  缴费记录：新增 {report.contributions_added}，更新 {report.contributions_updated}，"
        f"未变 {report.contributions_unchanged}"
    )


def _cmd_import_registry(args: argparse.Namespace) -> int:
    from jssi_app.db import session_scope
    from jssi_app.services.registry_import import RegistryImportError, import_registry

    directory = Path(args.directory)
    if not directory.is_dir():
        print(f"目录不存在：{directory}", file=sys.stderr)
        return 2
    try:
        with session_scope() as session:
            report = import_registry(session, directory, actor="cli", dry_run=args.dry_run)
    except RegistryImportError as exc:
        if args.dry_run:
            print(f"试导入发现 {exc.total} 处错误（试导入不写入任何数据）。", file=sys.stderr)
        else:
            print(f"导入被拒绝：共 {exc.total} 处错误，未写入任何数据。", file=sys.stderr)
        for error in exc.errors[:MAX_LISTED_ERRORS]:
            print(f"{error.file}:{error.line}: {error.reason}", file=sys.stderr)
        if exc.total > MAX_LISTED_ERRORS:
            print(f"……另有 {exc.total - MAX_LISTED_ERRORS} 处错误未列出", file=sys.stderr)
        return 1
    if args.dry_run:
        _print_dry_run(report)
    else:
        _print_report(report)
    return 0


def _print_dry_run(report) -> None:  # noqa: ANN001
    print(f"试导入通过（未写入任何数据），用时 {report.seconds:.1f} 秒")
    print(f"  参保人员：{report.persons}（其中新增 {report.persons_new}）")
    print(f"  参保单位：{report.units}（其中新增 {report.units_new}）")
    print(f"  缴费记录：{report.contributions}")


def _cmd_demo_data(args: argparse.Namespace) -> int:
    from jssi_app.services.demo_registry import write_demo_extract

    started = time.perf_counter()
    try:
        summary = write_demo_extract(Path(args.directory), persons=args.persons, units=args.units, seed=args.seed)
    except ValueError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    print(
        f"演示数据已写入 {args.directory}：参保人员 {summary.persons}，参保单位 {summary.units}，"
        f"缴费记录 {summary.contributions}（用时 {time.perf_counter() - started:.1f} 秒）"
    )
    return 0


def _seed_demo_review() -> None:
    from jssi_app.adapters.clock import utcnow
    from jssi_app.config import settings
    from jssi_app.db import session_scope
    from jssi_app.services.demo_review import seed_demo_review

    if settings().is_prod:  # demo passwords are printed on the screen: never in production
        return
    with session_scope() as session:
        if seed_demo_review(session, now=utcnow()):
            print("演示工作人员账号和单位注册申请已创建。")


def _seed_demo_face() -> None:
    from jssi_app.adapters.clock import utcnow
    from jssi_app.config import DATA_DIR, settings
    from jssi_app.db import session_scope
    from jssi_app.services.demo_face import seed_demo_face

    if settings().is_prod:
        return
    with session_scope() as session:
        seed_demo_face(session, DATA_DIR / "demo-face", now=utcnow())


def _cmd_seed_demo(args: argparse.Namespace) -> int:
    code = _seed_demo_registry()
    if code == 0:
        _seed_demo_face()
        _seed_demo_ca()
    return code


def _seed_demo_ca():  # noqa: ANN202
    """单位CA证书登录 demo (not in production): docs/operations.md, `make run-ca`."""
    from jssi_app.adapters.clock import utcnow
    from jssi_app.config import DATA_DIR, ca_settings, settings
    from jssi_app.services.demo_ca import DEMO_P12_PASSWORD, seed_demo_ca
    from jssi_app.services.demo_review import DEMO_APPLICATIONS

    if settings().is_prod:
        return None
    unit = next(a for a in DEMO_APPLICATIONS if a.status == "approved")
    s = ca_settings()
    crl_dir = Path(s.crl_sources[0]) if len(s.crl_sources) == 1 and not s.crl_sources[0].startswith("http") \
        else DATA_DIR / "ca" / "crl"
    demo = seed_demo_ca(DATA_DIR, s.trust_dir, crl_dir, unit_name=unit.unit_name, uscc=unit.credit_code, now=utcnow())
    print(f"演示CA证书：{demo.unit_pem}（窗口绑定用）、{demo.unit_p12}（导入浏览器，密码 {DEMO_P12_PASSWORD}）")
    return demo


def _cmd_ca_proxy_config(args: argparse.Namespace) -> int:
    from jssi_app.adapters.ca_proxy_config import write_local_config
    from jssi_app.adapters.ca_trust import trust_store
    from jssi_app.config import DATA_DIR, ca_settings

    demo = _seed_demo_ca()
    cert = Path(args.server_cert) if args.server_cert else (demo.server_cert if demo else None)
    key = Path(args.server_key) if args.server_key else (demo.server_key if demo else None)
    if cert is None or key is None:
        print("请用 --server-cert 和 --server-key 指定 nginx 的服务器证书", file=sys.stderr)
        return 2
    files = write_local_config(Path(args.prefix or DATA_DIR / "nginx"), store=trust_store(), app=args.app,
                               site_port=args.site_port, ca_port=args.ca_port, host=args.host, server_cert=cert,
                               server_key=key, proxy_secret=ca_settings().proxy_secret)
    print(files.main_conf)
    return 0


def _seed_demo_registry() -> int:
    from sqlmodel import select

    from jssi_app.config import DATA_DIR
    from jssi_app.db import session_scope
    from jssi_app.models.registry import RegistryPerson
    from jssi_app.services.demo_registry import write_demo_extract
    from jssi_app.services.registry_import import RegistryImportError, import_registry

    _seed_demo_review()
    with session_scope() as session:
        seeded = session.exec(select(RegistryPerson.id).limit(1)).first() is not None
    if seeded:
        print("参保库中已有数据，跳过演示数据导入。")
        _seed_demo_employment()
        return 0
    with session_scope() as session:
        out_dir = DATA_DIR / "demo-registry"
        started = time.perf_counter()
        summary = write_demo_extract(out_dir)
        print(
            f"演示数据已生成：参保人员 {summary.persons}，参保单位 {summary.units}，缴费记录 {summary.contributions}"
            f"（用时 {time.perf_counter() - started:.1f} 秒）"
        )
        try:
            report = import_registry(session, out_dir, actor="seed-demo")
        except RegistryImportError as exc:
            # The generator and importer disagree: a bug, not an operator mistake.
            print(f"演示数据导入失败：共 {exc.total} 处错误", file=sys.stderr)
            for error in exc.errors[:20]:
                print(f"{error.file}:{error.line}: {error.reason}", file=sys.stderr)
            return 1
    _print_report(report)
    _seed_demo_employment()
    return 0


def _seed_demo_employment() -> None:
    from jssi_app.adapters.clock import utcnow
    from jssi_app.config import settings
    from jssi_app.db import session_scope
    from jssi_app.services.demo_employment import seed_demo_employment

    if settings().is_prod:
        return
    with session_scope() as session:
        done = seed_demo_employment(session, now=utcnow())
    if done.derived or done.demo_unit_employees:
        print(f"用工关系：按最近缴费单位建立 {done.derived} 条；演示单位在职人员 {done.demo_unit_employees} 人。")


def _cmd_verify_audit(args: argparse.Namespace) -> int:
    from jssi_app.db import session_scope
    from jssi_app.services.audit import verify_audit_log

    with session_scope() as session:
        result = verify_audit_log(session)
    if result.ok:
        print(f"审计日志完整：已校验 {result.checked} 条记录。")
        return 0
    print(
        f"审计日志校验失败：第 {result.checked} 条记录（id={result.first_bad_id}）起哈希链断裂，"
        "日志可能被修改、删除或重排。",
        file=sys.stderr,
    )
    return 1


def _cmd_print_demo_identities(args: argparse.Namespace) -> int:
    from jssi_app.services.demo_registry import DEMO_IDENTITIES

    from jssi_app.config import settings
    from jssi_app.domain.review import STATUS_LABELS, ApplicationStatus
    from jssi_app.services.demo_review import DEMO_APPLICATIONS, DEMO_STAFF, DEMO_UNIT_PASSWORD

    print("演示身份（注册时填写以下信息）：")
    for identity in DEMO_IDENTITIES:
        print(f"\n【{identity.label}】")
        print(f"  身份证号码：{identity.id_number}")
        print(f"  姓名：{identity.name}")
        print(f"  手机号码：{identity.phone}")
        print(f"  说明：{identity.note}")
    if settings().is_prod:
        return 0
    _print_demo_retiree()
    print("\n【工作人员】登录地址 /staff/login")
    for username, role, display, password in DEMO_STAFF:
        print(f"  {display}：用户名 {username}  密码 {password}")
    print(f"\n【单位用户】登录地址 /login/unit，密码均为 {DEMO_UNIT_PASSWORD}")
    for demo in DEMO_APPLICATIONS:
        print(f"  {demo.unit_name}（{STATUS_LABELS[ApplicationStatus(demo.status)]}）：统一社会信用代码 {demo.credit_code}，经办人手机号 {demo.handler_phone}")
    from jssi_app.services.demo_employment import demo_note

    print(demo_note())
    return 0


def _print_demo_retiree() -> None:
    from jssi_app.config import DATA_DIR
    from jssi_app.db import session_scope
    from jssi_app.services.demo_face import demo_retiree

    with session_scope() as session:
        retiree = demo_retiree(session, DATA_DIR / "demo-face")
    if retiree is None:
        return
    print("\n【已采集参保登记照片的退休人员】用于 待遇认证 → 人脸识别认证")
    print(f"  身份证号码：{retiree.id_number}")
    print(f"  姓名：{retiree.name}")
    print("  手机号码：任意 1[3-9] 开头的11位号码（验证码见 /dev/outbox）")
    print(f"  说明：注册并登录后，在“上传照片”处上传 {retiree.same_photo} 即可认证成功；"
          f"上传 {retiree.other_photo} 会提示与参保登记照片不一致。")


def _cmd_staff_create(args: argparse.Namespace) -> int:
    from jssi_app.adapters.clock import utcnow
    from jssi_app.db import session_scope
    from jssi_app.domain.errors import ValidationFailed
    from jssi_app.services.staff_accounts import create_staff

    # A password piped in (for scripts) is used as given; at a terminal one is generated and printed.
    password = None
    if not sys.stdin.isatty():
        password = sys.stdin.readline().rstrip("\r\n") or None
    try:
        with session_scope() as session:
            created = create_staff(session, username=args.username, role=args.role, display_name=args.display_name,
                                   password=password, actor="cli", now=utcnow())
    except ValidationFailed as exc:
        for error in exc.errors:
            print(error.message, file=sys.stderr)
        return 1
    print(f"已创建工作人员账号：{created.username}（{created.role}）")
    if created.generated_password:
        print(f"初始密码：{created.generated_password}（首次登录后须修改）")
    return 0


def _cmd_encrypt_stored_files(_args: argparse.Namespace) -> int:
    from jssi_app.adapters.file_store import default_store

    store = default_store()
    print(f"已加密 {store.seal_legacy()} 个旧版明文文件（{store.root}）")
    return 0


def _cmd_sweep_orphan_files(args: argparse.Namespace) -> int:
    import datetime as dt

    from jssi_app.adapters.clock import utcnow
    from jssi_app.adapters.file_store import default_store
    from jssi_app.db import session_scope
    from jssi_app.services.stored_files import sweep_orphan_files

    with session_scope() as session:
        report = sweep_orphan_files(session, default_store(), now=utcnow(),
                                    min_age=dt.timedelta(minutes=args.min_age_minutes))
    print(f"已清理 {report.orphans_removed} 个无记录的上传文件、{report.temporaries_removed} 个中断写入的临时文件"
          f"（共 {report.stored_files} 个上传文件；{report.too_young} 个未满 {args.min_age_minutes:g} 分钟的暂不清理）")
    return 0


def _cmd_backup(args: argparse.Namespace) -> int:
    from jssi_app.adapters.clock import utcnow
    from jssi_app.adapters.db_snapshot import SnapshotError
    from jssi_app.adapters.file_store import default_store
    from jssi_app.db import engine
    from jssi_app.services.backup import BackupError, backup

    try:
        report = backup(Path(args.directory), engine=engine(), store=default_store(), now=utcnow())
    except (BackupError, SnapshotError) as exc:
        print(f"备份失败：{exc}", file=sys.stderr)
        return 1
    print(f"备份完成：{report.directory}（数据库快照 + {report.files - 1} 个上传文件，共 {report.bytes} 字节，"
          f"{sum(report.rows.values())} 行，迁移版本 {report.alembic_revision}）")
    print("注意：备份中不含密钥（JSSI_PII_KEY 等），密钥须另行保管，恢复时须提供同一密钥。")
    return 0


def _cmd_restore(args: argparse.Namespace) -> int:
    from jssi_app.adapters.db_snapshot import SnapshotError
    from jssi_app.adapters.file_store import default_store
    from jssi_app.db import engine
    from jssi_app.services.backup import BackupError, restore

    try:
        report = restore(Path(args.directory), engine=engine(), store=default_store(), force=args.force)
    except (BackupError, SnapshotError) as exc:
        print(f"恢复失败：{exc}", file=sys.stderr)
        return 1
    print(f"已恢复：{sum(report.rows.values())} 行，{report.files} 个上传文件；审计日志已校验 {report.audit_checked} 条。")
    if report.problems:
        for problem in report.problems:
            print(f"  问题：{problem}", file=sys.stderr)
        return 1
    return 0


def _cmd_rotate_keys(args: argparse.Namespace) -> int:
    from jssi_app import config
    from jssi_app.adapters.extract_staging import ExtractStaging
    from jssi_app.adapters.file_store import default_store
    from jssi_app.adapters.pii import cipher
    from jssi_app.db import session_scope
    from jssi_app.services import key_rotation

    if args.new_key:
        try:
            new_id = config.new_local_pii_key()
        except RuntimeError as exc:
            print(str(exc), file=sys.stderr)
            return 2
        config.reset_settings_cache()
        print(f"已生成新的个人信息加密密钥（编号 {new_id}），旧密钥保留用于解密。")
    c = cipher()
    store = default_store()
    if not args.check:
        from jssi_app.services.audit import ChainBroken

        try:
            with session_scope() as session:
                report = key_rotation.rotate_keys(session, c, store, batch=args.batch, staging=ExtractStaging())
        except ChainBroken as exc:
            print(f"个人信息已改用当前密钥，但审计日志在 id={exc.check.first_bad_id} 处校验失败，未予封存："
                  "请先用 verify-audit 排查，旧密钥不可停用。", file=sys.stderr)
            return 1
        print(f"已将 {report.total_rows} 行、{report.files} 个上传文件改用密钥 {report.key_id} 加密，审计日志已封存。")
    with session_scope() as session:
        left = key_rotation.remaining(session, c, store)
    if left:
        print("仍使用旧密钥的数据：" + "，".join(f"{k} {v}" for k, v in left.items()), file=sys.stderr)
        return 1
    print(f"全部数据已使用当前密钥 {c.key_id}；" + (
        f"旧密钥 {'、'.join(c.previous_key_ids)} 现在可以停用。" if c.previous_key_ids else "没有需要停用的旧密钥。"))
    if args.retire and c.previous_key_ids:
        try:
            config.retire_local_pii_keys()
        except RuntimeError as exc:
            print(str(exc), file=sys.stderr)
            return 2
        print("已删除旧密钥文件。")
    return 0


def _cmd_check_offices(args: argparse.Namespace) -> int:
    from jssi_app.adapters.offices_file import read_offices
    from jssi_app.config import offices_file
    from jssi_app.domain.offices import OfficesFileInvalid

    path = Path(args.file) if args.file else offices_file()
    try:
        directory = read_offices(path)
    except OfficesFileInvalid as exc:
        print(f"经办机构文件 {path} 无效：", file=sys.stderr)
        for problem in exc.problems[:MAX_LISTED_ERRORS]:
            print(f"  {problem}", file=sys.stderr)
        return 1
    cities = directory.cities()
    print(f"经办机构文件有效：{len(directory.offices)} 个经办机构，{len(cities)} 个地区（{'、'.join(cities)}）。")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m jssi_app", description="江苏社保网上服务大厅 运维命令")
    sub = parser.add_subparsers(dest="command", required=True, metavar="命令")

    p = sub.add_parser("import-registry", help="导入参保库数据（persons.csv、units.csv、contributions.csv）")
    p.add_argument("directory", metavar="DIR", help="存放三个 CSV 文件的目录")
    p.add_argument("--dry-run", action="store_true", help="试导入：只校验并报告，不写入任何数据")
    p.set_defaults(func=_cmd_import_registry)

    p = sub.add_parser("demo-data", help="生成演示用参保库数据")
    p.add_argument("directory", metavar="DIR", help="输出目录")
    p.add_argument("--persons", type=int, default=3000, help="参保人员数（默认 3000）")
    p.add_argument("--units", type=int, default=100, help="参保单位数（默认 100）")
    p.add_argument("--seed", type=int, default=20261128, help="随机种子（默认 20261128）")
    p.set_defaults(func=_cmd_demo_data)

    p = sub.add_parser("seed-demo", help="参保库为空时生成并导入演示数据")
    p.set_defaults(func=_cmd_seed_demo)

    p = sub.add_parser("ca-proxy-config", help="生成 nginx（CA证书登录，双向TLS）本地配置")
    p.add_argument("--prefix", default="", help="nginx 目录（默认 var/nginx）")
    p.add_argument("--app", default="http://127.0.0.1:3000", help="应用地址")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--site-port", type=int, default=8443)
    p.add_argument("--ca-port", type=int, default=8444)
    p.add_argument("--server-cert", default="")
    p.add_argument("--server-key", default="")
    p.set_defaults(func=_cmd_ca_proxy_config)

    p = sub.add_parser("verify-audit", help="校验审计日志哈希链")
    p.set_defaults(func=_cmd_verify_audit)

    p = sub.add_parser("print-demo-identities", help="显示演示身份")
    p.set_defaults(func=_cmd_print_demo_identities)

    p = sub.add_parser("encrypt-stored-files", help="加密旧版本以明文保存的上传文件（可重复执行）")
    p.set_defaults(func=_cmd_encrypt_stored_files)

    p = sub.add_parser("sweep-orphan-files", help="清理崩溃遗留的无记录上传文件（可重复执行）")
    p.add_argument("--min-age-minutes", type=float, default=60, help="只清理早于该分钟数的文件（默认 60）")
    p.set_defaults(func=_cmd_sweep_orphan_files)
    p = sub.add_parser("backup", help="备份数据库（一致快照）和上传文件到 DIR（不含密钥）")
    p.add_argument("directory", metavar="DIR", help="新的或空的备份目录")
    p.set_defaults(func=_cmd_backup)

    p = sub.add_parser("restore", help="从 DIR 恢复到空实例，校验清单哈希和审计日志")
    p.add_argument("directory", metavar="DIR", help="backup 写出的目录")
    p.add_argument("--force", action="store_true", help="目标数据库或上传目录不为空时仍然覆盖")
    p.set_defaults(func=_cmd_restore)

    p = sub.add_parser("rotate-keys", help="用当前密钥重新加密个人信息、指纹和上传文件（可中断后重跑）")
    p.add_argument("--new-key", action="store_true",
                   help="仅开发环境：生成新的 var/keys/pii.key，旧密钥移入 var/keys/pii-previous/")
    p.add_argument("--check", action="store_true", help="只报告仍使用旧密钥的数据，不改写")
    p.add_argument("--retire", action="store_true", help="仅开发环境：全部改写完成后删除旧密钥文件")
    p.add_argument("--batch", type=int, default=200, help="每个事务处理的行数（默认 200）")
    p.set_defaults(func=_cmd_rotate_keys)

    p = sub.add_parser("check-offices", help="校验“联系我们”的经办机构文件（替换前先校验）")
    p.add_argument("file", nargs="?", default="", metavar="FILE",
                   help="要校验的文件（默认 JSSI_OFFICES_FILE 或 assets/offices.json）")
    p.set_defaults(func=_cmd_check_offices)

    staff = sub.add_parser("staff", help="工作人员账号").add_subparsers(dest="staff_command", required=True, metavar="操作")
    p = staff.add_parser("create", help="创建工作人员账号（密码从标准输入读取，终端下自动生成）")
    p.add_argument("--username", required=True, help="工号/用户名")
    p.add_argument("--role", required=True, choices=["reviewer", "clerk", "admin"], help="角色")
    p.add_argument("--display-name", default="", help="姓名（显示用）")
    p.set_defaults(func=_cmd_staff_create)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)
