"""Screenshots of every dashboard page on the demo organization, per role (issue 12).

    python scripts/screenshots.py [--base http://demo.localhost:8000] [--out docs/screenshots]

Logs in as each demo role in headless Chromium (Debian's package, driven by Playwright), opens
the pages that role works in, waits for the charts, and writes full-page PNGs. `make
screenshots` starts a server on the demo data first when none answers.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

PASSWORD = "demo-pass-123"  # noqa: S105 - the published demo login
# (file name, role, path): the pages of issue 12 as the role that works in each opens it.
PAGES: list[tuple[str, str, str]] = [
    ("home", "admin", "/"),
    ("portfolio", "admin", "/dashboards/portfolio/"),
    ("product", "product", "/dashboards/product/"),
    ("cx", "cx", "/dashboards/cx/"),
    ("compliance", "compliance", "/compliance/"),
    ("shadow-ai", "compliance", "/dashboards/shadow-ai/"),
    ("department", "owner", "/dashboards/department/"),
    ("conversations", "cx", "/dashboards/conversations/"),
    ("summary", "viewer", "/dashboards/summary/"),
    ("digest", "product", "/dashboards/digest/"),
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="http://demo.localhost:8000")
    parser.add_argument("--out", default="docs/screenshots")
    parser.add_argument("--only", nargs="*", help="file names to take (default: all)")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    failures = 0
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        for name, role, path in PAGES:
            if args.only and name not in args.only:
                continue
            context = browser.new_context(viewport={"width": 1360, "height": 900})
            page = context.new_page()
            page.goto(f"{args.base}/accounts/login/")
            page.fill("input[name=username]", f"{role}@demo.localhost")
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_load_state("networkidle")
            response = page.goto(f"{args.base}{path}")
            page.wait_for_load_state("networkidle")
            page.wait_for_timeout(800)  # chart animations settle
            status = response.status if response else 0
            page.screenshot(path=str(out / f"{name}.png"), full_page=True)
            print(f"{status} {role:<10} {path:<32} -> {out / (name + '.png')}")
            failures += status != 200
            context.close()
        browser.close()
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
