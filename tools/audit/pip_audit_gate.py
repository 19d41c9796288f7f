"""CI's dependency audit: fail on any known vulnerability in requirements.txt.

pip-audit asks PyPI's JSON API for each pinned package's advisories. Where that
service answers without advisories (this build machine reaches a PyPI mirror that
has none), packages come back "not audited": the gate says so loudly, with the
count, instead of passing silently or failing every build (SECURITY.md).
"""

import json
import subprocess
import sys
from pathlib import Path

VENV_BIN = Path(sys.executable).parent


def main() -> int:
    result = subprocess.run(  # noqa: S603 (fixed arguments, our own venv)
        [str(VENV_BIN / "pip-audit"), "-r", "requirements.txt", "--format", "json"],
        capture_output=True,
        text=True,
        timeout=900,
    )
    try:
        report = json.loads(result.stdout)
    except json.JSONDecodeError:
        print(result.stdout, result.stderr, sep="\n")
        print("pip-audit: no report (see above)")
        return 1
    dependencies = report.get("dependencies", [])
    vulnerable = [d for d in dependencies if d.get("vulns")]
    skipped = [d for d in dependencies if "skip_reason" in d]
    audited = len(dependencies) - len(skipped)
    for dependency in vulnerable:
        ids = ", ".join(v["id"] for v in dependency["vulns"])
        print(f"VULNERABLE {dependency['name']} {dependency.get('version', '')}: {ids}")
    print(
        f"pip-audit packages={len(dependencies)} audited={audited} "
        f"vulnerable={len(vulnerable)} not_audited={len(skipped)}"
    )
    if skipped:
        print(
            "pip-audit: WARNING: the advisory service did not answer for "
            f"{len(skipped)} packages ({skipped[0]['skip_reason']}); they were not audited."
        )
    return 1 if vulnerable else 0


if __name__ == "__main__":
    sys.exit(main())
