"""Each page's exposure in exposures.yml declares exactly the marts the page reads."""

import inspect
import re
from pathlib import Path

import yaml

from dashboards import data

ROOT = Path(__file__).resolve().parents[2]
PAGES = ROOT / "dashboards" / "app_pages"


def marts_read(page: Path) -> set[str]:
    called = set(re.findall(r"\bdata\.(\w+)\(", page.read_text()))
    marts: set[str] = set()
    for name in called:
        marts |= set(re.findall(r"\bmarts\.(\w+)", inspect.getsource(getattr(data, name))))
    return marts


def test_every_page_has_an_exposure_naming_the_marts_it_reads() -> None:
    exposures = yaml.safe_load((ROOT / "transform" / "models" / "exposures.yml").read_text())
    declared = {
        exposure["name"]: {re.search(r"ref\('(\w+)'\)", ref)[1] for ref in exposure["depends_on"]}
        for exposure in exposures["exposures"]
    }
    pages = sorted(p for p in PAGES.glob("*.py") if p.name != "__init__.py")
    assert {f"{page.stem}_dashboard" for page in pages} == set(declared)
    for page in pages:
        assert declared[f"{page.stem}_dashboard"] == marts_read(page), page.name
