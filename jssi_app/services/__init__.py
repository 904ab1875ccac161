# Kinds of counter task register their completions when their module is imported; importing them here means
# every process that can finish a counter task (the app, the CLI, the tests) has them.
from jssi_app.services import face_certification as _face_certification  # noqa: F401
from jssi_app.services import base_declaration as _base_declaration  # noqa: F401
