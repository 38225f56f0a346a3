"""URL query parameters, fuzzed: every page file in pages/ run headless (AppTest) with random and hostile
values for every parameter it reads, unknown names and repeated keys. Whatever the URL says: no exception
element, a value the page can use (a valid URL value is taken as is; a bad one falls back to the page's
default), and exactly one notice naming each parameter the URL got wrong, only on the run that read the
link. Fixed seed, a handful of cases per page (the shipped models and tables are used as they are)."""
from __future__ import annotations

import random
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from semcom_core.costs import compute as C
from semcom_core.digital.separation import DEFAULT_JPEG_QUALITY
from semcom_core.eval.iot import IOT_CHANNELS
from semcom_core.nets.split import K_CHOICES
from semcom_core.plan import OBJECTIVES
from semcom_ui.state import QueryState
from semcom_ui.views import costs as VC
from semcom_ui.views import explorer as X
from semcom_ui.views import planner as VP
from semcom_ui.views import toc as VT

PAGES = Path(__file__).resolve().parent.parent / "pages"
SEED = 20261206
CASES = 4  # random cases per page, after the all-NaN, all-hostile, all-lowest and all-highest ones


# ----------------------------------------------------------------------------- what each page reads
class Param:
    """A URL parameter as the page reads it: `options` (a finite set) or a range (lo, hi, step: read off
    the page's own slider, see `with_ranges`), the type `cast`; its widget has the parameter's name as key.
    `needs`: read only when that (boolean) parameter is on."""

    def __init__(self, cast=str, options=None, needs=None, lo=None, hi=None, step=None, shown=True):
        self.cast, self.options, self.needs, self.lo, self.hi, self.step = cast, options, needs, lo, hi, step
        self.shown = shown  # False: no widget shows the value as given (checked by notices only)

    def ranged(self, lo, hi, step) -> "Param":
        return Param(self.cast, self.options, self.needs, lo, hi, step, self.shown)

    def valid(self, rng: random.Random) -> str:
        if self.cast is bool:
            return rng.choice(["1", "0", "true", "false", "True", "False"])
        if self.options is not None:
            return str(rng.choice(list(self.options)))
        n = round((self.hi - self.lo) / self.step)
        v = self.lo + self.step * rng.randint(0, n)
        return str(int(round(v))) if self.cast is int else rng.choice([f"{v:g}", f"{v:.2f}"])

    def invalid(self, rng: random.Random) -> str:
        """Wrong for this parameter only (a near miss): out of range, not a choice, wrong type."""
        if self.cast is bool:
            return rng.choice(["yes", "2", "TRUE", "on", "-1"])
        if self.options is not None:
            o = str(rng.choice(list(self.options)))
            near = [o.upper() if o.upper() != o else o + "x", o + " ", " " + o, o + "0", "SP-42", "SP--1", "-1"]
            if self.cast is int:
                near += [f"{o}.0", f"{int(o) + 1}", f"{o}e0"]
            return rng.choice([n for n in near if n not in map(str, self.options)])
        span = self.hi - self.lo
        out_of_range = [c for c in ("1e6", "-1e6", "1e15") if not self.lo <= float(c) <= self.hi]  # whatever the range
        return rng.choice([f"{self.hi + span * rng.uniform(0.01, 3):g}", f"{self.lo - span * rng.uniform(0.01, 3):g}",
                           *out_of_range] + ([f"{self.lo + self.step / 2}", "5.5"] if self.cast is int else []))

    def edge(self, high: bool) -> str:
        """The lowest or highest value the page accepts (the ends of a slider, the first or last choice)."""
        if self.cast is bool:
            return "1" if high else "0"
        if self.options is not None:
            return str(list(self.options)[-1 if high else 0])
        v = self.hi if high else self.lo
        return str(int(v)) if self.cast is int else f"{v:g}"

    def parse(self, raw: str):
        if self.cast is bool:
            return raw in ("1", "true", "True")
        return self.cast(raw)


# wrong for every parameter (numbers, choices and switches alike)
HOSTILE = ["nan", "NaN", "-nan", "inf", "-inf", "Infinity", "1e309", "", " ", "banana", "0x10", "1/0", "1,5",
           "<script>alert(1)</script>", "[click](javascript:alert(1))", "$\\frac{1}{0}$", "**64**", ":material/home:",
           "\u202e46", "\x00", "9" * 5000, "None", "null", "[]", "{}", "'; DROP TABLE runs; --", "../../etc/passwd",
           "%00", "😀"]
UNKNOWN = ["foo", "K", "snr_db", "utm_source", "<b>x</b>", "page", "__proto__", "a.b", "x y"]

DEVICES, LINKS = list(C.DEVICE_PRESETS), list(C.LINK_PRESETS)
SPEC = {
    "home.py": {},
    "costs.py": {
        "backbone": Param(options=VC.BACKBONES), "classes": Param(int, (10, 100)),
        "split": Param(options=[f"SP-{i}" for i in range(7)]), "k": Param(int, K_CHOICES), "dec": Param(int, (1, 2)),
        "lg": Param(float), "conv": Param(options=C.CONVENTIONS), "txd": Param(options=DEVICES),
        "rxd": Param(options=DEVICES), "link": Param(options=LINKS), "bits": Param(int, (8, 16, 32))},
    "explorer.py": {
        "ds": Param(options=("cifar10",)), "bb": Param(options=X.offered_backbones("cifar10")),
        "split": Param(options=[f"SP-{i}" for i in range(7)]), "k": Param(int, K_CHOICES),
        "ch": Param(options=X.EXPLORER_CHANNELS), "snr": Param(float), "lg": Param(float), "target": Param(float),
        "sec": Param(bool), "tab": Param(options=X.TAB_SLUGS, shown=False),  # the open tab (not a value widget)
        # the transmitter budget in MACs per image (the widget shows M MACs, so it is checked by notices only)
        "B": Param(float, lo=0.0, hi=1e13, step=1e6, shown=False),
        # read only when "Think in seconds" is on: otherwise named as not used
        "txd": Param(options=DEVICES, needs="sec"), "rxd": Param(options=DEVICES, needs="sec"),
        "link": Param(options=LINKS, needs="sec"), "bits": Param(int, (8, 16, 32), needs="sec")},
    "iot.py": {
        "ds": Param(options=("mnist", "fashion-mnist")), "ch": Param(options=tuple(IOT_CHANNELS)),
        "snr": Param(float), "jq": Param(int), "hdr": Param(bool)},
    "toc.py": {
        "family": Param(options=VT.FAMILIES), "ch": Param(options=VT.CHANNELS), "snr": Param(float, VT.SNRS),
        # any budget from 1 to 1e13 MACs: off the slider's grid it goes into the typed box (no widget shows it as is)
        "B": Param(float, lo=1.0, hi=1e13, step=1e6, shown=False)},
    "planner.py": {
        "bb": Param(options=VP.planner_backbones()), "dev": Param(options=VP.DEVICES),
        "edge": Param(options=VP.DEVICES), "link": Param(options=VP.LINKS), "emac": Param(options=VP.EMAC_OPTIONS),
        "ebit": Param(options=VP.EBIT_OPTIONS), "typed": Param(bool),
        # typed numbers (number inputs, checked by notices only), read only when "Type my own numbers" is on
        **{n: Param(float, lo=lo, hi=hi, step=max(lo, 1e-3), needs="typed", shown=False)
           for n, (lo, hi) in VP.TYPED_RANGES.items()},
        "snr": Param(float), "ch": Param(options=VP.CHANNELS), "bits": Param(int, VP.BITS), "acc": Param(float),
        # constraint limits (number inputs, 0: no limit)
        **{n: Param(float, lo=lo, hi=hi, step=1.0, shown=False) for n, (lo, hi) in VP.LIMIT_RANGES.items()},
        "obj": Param(options=OBJECTIVES),
        # the link: analog or digital, the digital link, the analog air time
        "mode": Param(options=VP.LINK_MODES), "dlink": Param(options=tuple(VP.DIGITAL_LINK_LABELS)),
        "air": Param(options=tuple(VP.ANALOG_AIR_LABELS)),
        # "Analog vs digital": drawn only under a plan (not after an input error), k and b keyed per split and k
        # (checked by notices only); the shipped table measures what the page offers without one
        "dsp": Param(options=VP.DIGITAL_SPLITS, shown=False), "dk": Param(int, VP.DIGITAL_KS, shown=False),
        "db": Param(int, VP.DIGITAL_BITS, shown=False)},
}


def test_the_spec_covers_every_parameter_each_page_reads():
    """The fuzz cases below are only as good as this list: it must name exactly what the pages read."""
    for f in sorted(PAGES.glob("*.py")):
        read = set(re.findall(r"""\bq\.get\(\s*["'](\w+)["']""", f.read_text()))
        assert f.name in SPEC, f"{f.name}: add it to SPEC"
        assert read == set(SPEC[f.name]), (f.name, read ^ set(SPEC[f.name]))


# ----------------------------------------------------------------------------- cases
def make_cases(page: str, spec: dict[str, Param]) -> list[tuple[dict, set[str], dict]]:
    """(URL parameters, the parameters a notice must name, {parameter: the value its widget must show})."""
    rng = random.Random(f"{SEED}:{page}")
    cases = []
    for i in range(CASES + 4):
        params, bad, taken = {}, set(), {}
        for name, p in spec.items():
            roll = rng.random()
            if i == 0:  # the NaN links, every parameter at once
                params[name] = "nan"
            elif i in (2, 3):  # every setting at one end of its range: valid, and where pages break
                params[name] = p.edge(high=i == 3)
                taken[name] = p.parse(params[name])
                continue
            elif i == 1 or roll < 0.3:
                params[name] = rng.choice(HOSTILE)
            elif roll < 0.5:
                params[name] = p.invalid(rng)
            elif roll < 0.9:
                params[name] = p.valid(rng)
                taken[name] = p.parse(params[name])
                continue
            else:
                continue
            bad.add(name)
        if i == 1:  # a parameter given twice (?k=16&k=32): neither is taken
            name = rng.choice(list(spec))
            params[name] = [spec[name].valid(rng), spec[name].valid(rng)]
        for name in rng.sample(UNKNOWN, rng.randint(0, 2)) + (["utm_source"] if i == 1 else []):
            params[name] = rng.choice(HOSTILE[:10] + ["1"])
            bad.add(name)
        # parameters read only when another one is on are "not used here" when it is off
        for name, p in spec.items():
            if p.needs and name in params and taken.get(p.needs) is not True:
                bad.add(name)
                taken.pop(name, None)
        cases.append((params, bad, taken))
    return cases


def slider_key(at: AppTest, name: str) -> str:
    """The key of the slider that URL parameter `name` sets (the IoT page keeps one quality slider per dataset)."""
    return f"jq_{widget_value(at, 'ds')}" if name == "jq" else name


def widget_value(at: AppTest, key: str):
    for kind in ("selectbox", "select_slider", "radio", "slider", "toggle", "checkbox"):
        try:
            return getattr(at, kind)(key=key).value
        except KeyError:
            continue
    if key == "jq":  # the IoT page keeps one quality slider per dataset (key jq_<dataset>)
        return at.slider(key=f"jq_{widget_value(at, 'ds')}").value
    raise KeyError(key)


def named(notice: str, name: str) -> bool:
    """The notice names URL parameter `name` (markdown escapes removed)."""
    return re.search(rf"URL parameter {re.escape(name)}[=:]", notice.replace("\\", "")) is not None


@pytest.fixture(scope="module", autouse=True)
def fresh_caches():
    import streamlit as st
    st.cache_data.clear()
    st.cache_resource.clear()
    yield


def run_page(page: str, params: dict) -> AppTest:
    at = AppTest.from_file(str(PAGES / page), default_timeout=240)
    at.query_params.update(params)
    return at.run()


@pytest.fixture(scope="module")
def defaults():
    """What each page shows with no URL parameters (a bad value must fall back to it), and each page's SPEC
    with the ranges of its sliders filled in (the range a URL value must lie in is the slider's)."""
    values, specs = {}, {}
    for page, spec in SPEC.items():
        if spec:
            at = run_page(page, {})
            assert not at.exception, (page, [e.value for e in at.exception])
            values[page] = {n: widget_value(at, n) for n, p in spec.items() if not p.needs and p.shown}
            specs[page] = {}
            for n, p in spec.items():
                if p.options is None and p.cast is not bool and p.lo is None:
                    w = at.slider(key=slider_key(at, n))
                    p = p.ranged(w.min, w.max, w.step)
                specs[page][n] = p
    return values, specs


KNOWN_BUGS: dict[tuple[str, int], str] = {}  # (page, case index) -> the bug, for pages this file cannot fix


@pytest.mark.parametrize("page,i", [(p, i) for p in SPEC for i in range(CASES + 4 if SPEC[p] else 3)])
def test_hostile_urls(page, i, defaults, request):
    if (page, i) in KNOWN_BUGS:
        request.applymarker(pytest.mark.xfail(reason=KNOWN_BUGS[page, i], strict=True))
    values, specs = defaults
    if SPEC[page]:
        params, bad, taken = make_cases(page, specs[page])[i]
    else:  # a page without settings: everything in its URL is unknown to it
        rng = random.Random(f"{SEED}:{page}:{i}")
        params = {n: rng.choice(HOSTILE) for n in rng.sample(UNKNOWN + ["k", "snr", "lg"], 3)}
        bad, taken = set(params), {}
    at = run_page(page, params)
    assert not at.exception, (params, [e.value for e in at.exception])
    notices = [w.value for w in at.warning if "URL parameter" in w.value]
    for name in params:
        n = sum(named(w, name) for w in notices)
        assert n == (1 if name in bad else 0), (name, params[name], notices)
    assert len(notices) == len(bad), notices  # nothing else is reported
    for name, p in SPEC[page].items():
        if (p.needs and taken.get(p.needs) is not True) or not p.shown:
            continue
        shown = widget_value(at, name)
        if name in taken:
            assert shown == pytest.approx(taken[name]) if p.cast is float else shown == taken[name], (name, params)
        elif name == "jq":  # the IoT page's default JPEG quality depends on the dataset chosen
            assert shown == DEFAULT_JPEG_QUALITY[widget_value(at, "ds")]
        elif not p.needs:
            assert shown == values[page][name], (name, params.get(name), shown)
    # the page's own rerun (a widget changed) reads back what it wrote: nothing more to report
    at.run()
    assert not at.exception and not [w for w in at.warning if "URL parameter" in w.value]


# ----------------------------------------------------------------------------- QueryState itself
def test_query_state_parses_strictly_and_names_each_parameter_once():
    q = QueryState({"a": "nan", "b": "inf", "c": "7", "d": "x", "e": ["1", "2"], "f": "2.5", "zz": "1", "g": "0.3"},
                   session={}, page="p")
    assert q.get("a", 1.0, cast=float) == 1.0 and q.get("b", 1.0, cast=float, lo=0, hi=10) == 1.0
    assert q.get("c", 3, cast=int, lo=0, hi=5) == 3 and q.get("d", "y", ("y", "w")) == "y"
    assert q.get("e", 0, cast=int) == 0 and q.get("f", 1, cast=int) == 1
    assert q.get("g", 0.5, cast=float, lo=0, hi=1) == 0.3 and q.get("missing", 9) == 9
    q.get("a", 1.0, cast=float)  # read twice: still one notice
    notices = q.notices
    assert len(notices) == 7
    for name in "abcdef":
        assert sum(named(n, name) for n in notices) == 1, (name, notices)
    assert any(named(n, "zz") and "not used" in n for n in notices)
    assert not any(named(n, "g") for n in notices)


def test_query_state_escapes_markdown_and_shortens_values():
    q = QueryState({"k": "[x](javascript:alert(1))", "<b>y</b>": "1", "lg": "9" * 5000}, session={}, page="p")
    q.get("k", 1, cast=int)
    q.get("lg", -3.0, cast=float, lo=-5, hi=0)
    notices = q.notices
    assert not any("[x](" in n or "<b>" in n for n in notices), notices  # rendered as text, not a link or HTML
    assert all(len(n) < 200 for n in notices)


def test_query_state_notices_only_for_the_users_link():
    """The first run of a page reads the link; later runs read what the page wrote (no notices)."""
    session = {}
    first = QueryState({"split": "SP-6", "foo": "1"}, session=session, page="explorer")
    assert first.get("split", "SP-4", ("SP-4",)) == "SP-4" and len(first.notices) == 2
    again = QueryState({"split": "SP-6", "foo": "1"}, session=session, page="explorer")
    assert again.get("split", "SP-4", ("SP-4",)) == "SP-4" and again.notices == []
    other = QueryState({"lg": "nan"}, session=session, page="costs")  # another page's first run
    assert other.get("lg", -3.0, cast=float) == -3.0 and len(other.notices) == 1


def test_unknown_page_paths_are_told_apart_from_the_pages():
    """Which URL paths get the "no such page" notice (the browser test opens /nope on a real server)."""
    from semcom_ui.nav import PAGES, unknown_path
    for f, _, _ in PAGES:
        if f != "home.py":
            assert unknown_path(Path(f).stem) is None and unknown_path(Path(f).stem + "/") is None
    assert unknown_path(None) is None and unknown_path("") is None  # the root: the default page
    for bad in ("nope", "Costs", "costs.py", "explorer2", "<script>", "home"):  # Home lives at the root only
        assert unknown_path(bad) == bad
    assert unknown_path("costs", default="costs.py") == "costs" and unknown_path("home", default="costs.py") is None
