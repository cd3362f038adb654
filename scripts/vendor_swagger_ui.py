"""Vendor Swagger UI into the package, so /docs works offline (no CDN).

    python scripts/vendor_swagger_ui.py [VERSION]

Takes ``swagger-ui-dist`` from the npm registry (``npm pack``), keeps the files
/docs loads and their licences, and writes SHA256SUMS beside them; the test
suite checks the shipped files against it. Swagger UI 5 is needed: 4.x cannot
read the OpenAPI 3.1 schema FastAPI writes.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

VERSION = "5.35.0"
TARGET = (
    Path(__file__).resolve().parents[1] / "src/persona_memory/interfaces/http/static/swagger-ui"
)
KEEP = (
    "swagger-ui-bundle.js",
    "swagger-ui-bundle.js.LICENSE.txt",
    "swagger-ui.css",
    "favicon-32x32.png",
    "LICENSE",
    "NOTICE",
)


def main(version: str = VERSION) -> None:
    with tempfile.TemporaryDirectory() as work:
        subprocess.run(
            ["npm", "pack", f"swagger-ui-dist@{version}", "--silent"],
            cwd=work,
            check=True,
            capture_output=True,
        )
        [packed] = Path(work).glob("swagger-ui-dist-*.tgz")
        with tarfile.open(packed) as archive:
            archive.extractall(work, filter="data")
        TARGET.mkdir(parents=True, exist_ok=True)
        sums = []
        for name in KEEP:
            data = (Path(work) / "package" / name).read_bytes()
            (TARGET / name).write_bytes(data)
            sums.append(f"{hashlib.sha256(data).hexdigest()}  {name}")
    (TARGET / "VERSION").write_text(version + "\n")
    (TARGET / "SHA256SUMS").write_text("\n".join(sums) + "\n")
    print(f"swagger-ui-dist {version} -> {TARGET}")


if __name__ == "__main__":
    main(*sys.argv[1:2])
