"""End to end in a real browser: Debian's chromium driven by Playwright against `streamlit run app.py`.
Skipped (with the reason) when chromium or playwright is missing; `.ci/run` installs both.
Screenshots go to test-artifacts/."""
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = ROOT / "test-artifacts"

pytestmark = pytest.mark.browser
playwright_sync = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
if not Path(CHROMIUM).exists():
    pytest.skip(f"{CHROMIUM} is absent (apt-get install -y chromium)", allow_module_level=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server():
    port = free_port()
    env = {**os.environ, "SEMCOM_OFFLINE": "1", "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false"}
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
                             "--server.address", "127.0.0.1", "--server.port", str(port)],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 90
    while time.time() < deadline:
        try:
            if urllib.request.urlopen(url + "/_stcore/health", timeout=2).read() == b"ok":
                break
        except OSError:
            time.sleep(0.5)
    else:
        proc.kill()
        pytest.fail("streamlit did not start: " + proc.stdout.read().decode()[-2000:])
    yield url
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture(scope="module")
def page(server):
    ARTIFACTS.mkdir(exist_ok=True)
    with playwright_sync.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"])
        pg = browser.new_page(viewport={"width": 1400, "height": 1000})
        yield pg
        browser.close()


def metric_value(page, label):
    box = page.locator('[data-testid="stMetric"]').filter(has_text=label).first
    return box.locator('[data-testid="stMetricValue"]').inner_text()


def upload(page, img, path):
    """Choose 'upload', send `img` (a PIL image) saved at `path`, and wait for the conversion note (only
    an upload of another size is center-cropped). Returns the bytes sent."""
    img.save(path)
    page.get_by_text("upload", exact=True).click()
    page.locator('input[type="file"]').set_input_files(str(path))
    page.get_by_text("center-cropped", exact=False).wait_for(timeout=60000)
    wait_running_done(page)
    return path.read_bytes()


def wait_running_done(page):
    """Streamlit shows a status widget while a script runs; wait until the app is idle."""
    page.wait_for_timeout(300)
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=60000)


def test_shared_link_on_a_fresh_server_opens_that_view(page, server):
    """The first request a server sees is a deep link (a shared URL): it must open that page with the
    app's navigation and the state the URL names, not Streamlit's legacy pages/ view."""
    page.goto(server + "/costs?split=SP-5&k=32&backbone=resnet34")
    page.get_by_text("Transmitter MACs").wait_for(timeout=90000)
    wait_running_done(page)
    nav = page.locator('[data-testid="stSidebarNav"]').inner_text()
    assert "Split costs" in nav and "IoT: learned vs separation" in nav
    from semcom_core.costs.compute import split_costs
    expect = split_costs("resnet34", 10, "SP-5", 32, 2, "true").tx_macs / 1e6
    assert metric_value(page, "Transmitter MACs") == f"{expect:,.2f} M"
    assert "backbone=resnet34" in page.url and "k=32" in page.url
    page.screenshot(path=str(ARTIFACTS / "costs_shared_link.png"), full_page=True)


def test_unknown_path_says_no_such_page_and_links_every_page(page, server):
    """A URL path that names no page (a typo, an old link) opens Home, as Streamlit does, but says so and
    links the pages; a real page's path shows no such notice."""
    from semcom_ui.nav import PAGES
    page.goto(server + "/nope")
    notice = page.locator('[data-testid="stAlert"]').filter(has_text="No such page")
    notice.wait_for(timeout=90000)
    assert "/nope" in notice.inner_text()
    page.get_by_text("Datasets prepared").wait_for(timeout=60000)  # the fallback page itself is there
    wait_running_done(page)
    links = page.locator('[data-testid="stMain"] [data-testid="stPageLink"]')
    texts = links.all_inner_texts()
    assert len(texts) == len(PAGES) and all(any(title in t for t in texts) for _, title, _ in PAGES), texts
    dialog = page.get_by_role("dialog")  # Streamlit's own "Page not found" modal, if shown: dismiss it
    if dialog.count():
        page.keyboard.press("Escape")
        dialog.wait_for(state="hidden", timeout=10000)
    assert notice.is_visible()  # the app's notice stays
    page.screenshot(path=str(ARTIFACTS / "no_such_page.png"), full_page=True)
    links.filter(has_text="Split costs").first.click()
    page.get_by_text("Transmitter MACs").wait_for(timeout=60000)
    wait_running_done(page)
    assert "/costs" in page.url and page.get_by_text("No such page").count() == 0
    page.goto(server + "/costs")
    page.get_by_text("Transmitter MACs").wait_for(timeout=60000)
    wait_running_done(page)
    assert page.get_by_text("No such page").count() == 0


def test_home_and_costs_pages(page, server):
    page.goto(server)
    page.get_by_text("Datasets prepared").wait_for(timeout=60000)
    page.screenshot(path=str(ARTIFACTS / "home.png"), full_page=True)
    page.goto(server + "/costs?split=SP-2&k=1024&backbone=resnet18")
    page.get_by_text("Transmitter MACs").wait_for(timeout=60000)
    wait_running_done(page)
    tx_sp2 = float(metric_value(page, "Transmitter MACs").split()[0].replace(",", ""))
    # change the split point with the real widget
    page.locator('[data-testid="stSelectbox"]').filter(has_text="Split point").get_by_role("combobox").click()
    page.get_by_role("option", name="SP-4").click()
    page.wait_for_function("() => window.location.search.includes('split=SP-4')", timeout=60000)
    wait_running_done(page)
    tx_sp4 = float(metric_value(page, "Transmitter MACs").split()[0].replace(",", ""))
    assert tx_sp4 > tx_sp2
    page.screenshot(path=str(ARTIFACTS / "costs_sp4.png"), full_page=True)
    # the URL reopens the same view
    page.goto(server + "/costs?split=SP-4&k=1024&backbone=resnet18")
    page.get_by_text("Transmitter MACs").wait_for(timeout=60000)
    wait_running_done(page)
    assert float(metric_value(page, "Transmitter MACs").split()[0].replace(",", "")) == tx_sp4


@pytest.mark.skipif(not (ROOT / "pretrained" / "iot" / "iot_sweep.csv").is_file(), reason="IoT table not shipped")
def test_iot_page_snr_and_upload(page, server, tmp_path):
    page.goto(server + "/iot?ds=mnist&ch=complex_awgn&snr=10")
    page.get_by_text("DeepSC-IoT accuracy").wait_for(timeout=90000)
    wait_running_done(page)
    high = float(metric_value(page, "Separation accuracy"))
    page.goto(server + "/iot?ds=mnist&ch=complex_awgn&snr=-10")
    page.get_by_text("DeepSC-IoT accuracy").wait_for(timeout=90000)
    wait_running_done(page)
    low = float(metric_value(page, "Separation accuracy"))
    assert low < high  # the separation cliff, as shipped in the table
    page.get_by_text("DeepSC-IoT:", exact=False).first.wait_for(timeout=60000)
    page.screenshot(path=str(ARTIFACTS / "iot_sample.png"), full_page=True)
    # upload a photo-like RGB image of another size
    from PIL import Image, ImageDraw
    img = Image.new("RGB", (120, 90), "white")
    ImageDraw.Draw(img).line([(60, 10), (60, 80)], fill="black", width=12)
    sent = upload(page, img, tmp_path / "seven.png")
    # what only the processed upload can show: its conversion, and both systems' answers on it, as computed
    # here with the shipped models at the page's setting (MNIST, complex AWGN, -10 dB, default JPEG, seed 0)
    from semcom_core.data.images import to_model_image
    from semcom_core.data.samples import load_samples
    from semcom_core.digital.separation import DEFAULT_JPEG_QUALITY, SeparationConfig
    from semcom_core.eval.live_iot import one_image
    from semcom_core.zoo.iot import load_iot_models
    image, _ = to_model_image(sent, (28, 28), 1, invert_light_background=True)
    learned, clf, _, _ = load_iot_models("mnist")
    r = one_image(learned, clf, image, "mnist", -10.0, "complex_awgn", SeparationConfig(DEFAULT_JPEG_QUALITY["mnist"]), 0)
    classes = load_samples("mnist")[1].get("classes") or [str(i) for i in range(10)]
    page.get_by_text("28x28", exact=False).first.wait_for(timeout=60000)
    caption = page.get_by_text(f"{r.sent_bytes} B sent", exact=False).first.inner_text()
    assert "test image #" not in caption and f"{r.plan.channel_uses} channel uses" in caption
    learned_says = page.locator("p").filter(has_text="DeepSC-IoT:").first.inner_text()  # the paragraph, not its bold label
    assert f"{classes[int(r.learned_probs.argmax())]} ({r.learned_probs.max():.2f})" in learned_says
    sep_says = page.locator("p").filter(has_text="Separation:").first.inner_text()
    if r.separation_probs is not None:
        assert f"{classes[int(r.separation_probs.argmax())]} ({r.separation_probs.max():.2f})" in sep_says
    page.screenshot(path=str(ARTIFACTS / "iot_upload.png"), full_page=True)


def tx_mmacs(page):
    return float(metric_value(page, "Transmitter MACs").split()[0].replace(",", ""))


@pytest.mark.skipif(not (ROOT / "pretrained" / "split" / "sweep_resnet18_cifar10.csv").is_file(),
                    reason="no split model and table shipped")
def test_explorer_split_snr_upload_and_shared_link(page, server, tmp_path):
    """The explorer on the shipped ResNet-18 zoo: change the split point and the SNR with the real widgets,
    watch the headline numbers and the live prediction follow, upload a photo, reopen the link."""
    page.goto(server + "/explorer?bb=resnet18&split=SP-2&k=16&snr=20&ch=awgn")
    page.get_by_text("Normalized computation", exact=True).wait_for(timeout=90000)
    page.get_by_text("Prediction: noiseless", exact=False).wait_for(timeout=90000)
    wait_running_done(page)
    tx_sp2 = tx_mmacs(page)
    acc_20 = float(metric_value(page, "Accuracy").rstrip(" %"))
    page.screenshot(path=str(ARTIFACTS / "explorer_sp2_20db.png"), full_page=True)
    # split point through its selectbox
    page.locator('[data-testid="stSelectbox"]').filter(has_text="Split point").get_by_role("combobox").click()
    page.get_by_role("option", name="SP-3").click()
    page.wait_for_function("() => window.location.search.includes('split=SP-3')", timeout=60000)
    wait_running_done(page)
    assert tx_mmacs(page) > tx_sp2  # a later cut runs more on the transmitter
    acc_sp3_20 = float(metric_value(page, "Accuracy").rstrip(" %"))
    # SNR through its slider, by keyboard: Home = the lowest SNR (-5 dB, the tables' lowest)
    page.locator('[data-testid="stSlider"]').filter(has_text="SNR (dB)").get_by_role("slider").press("Home")
    page.wait_for_function("() => window.location.search.includes('snr=-5')", timeout=60000)
    wait_running_done(page)
    acc_low = float(metric_value(page, "Accuracy").rstrip(" %"))
    assert acc_low < acc_sp3_20 and acc_low < acc_20  # more noise, lower accuracy (as measured)
    # the live panel follows the new SNR (wait for the re-rendered text, not a fixed time)
    page.get_by_text("Prediction: noiseless", exact=False).filter(has_text="-5 dB awgn").wait_for(timeout=60000)
    page.screenshot(path=str(ARTIFACTS / "explorer_sp3_low_snr.png"), full_page=True)
    # an upload of another size and mode
    from PIL import Image, ImageDraw
    img = Image.new("RGBA", (200, 120), (30, 90, 200, 255))
    ImageDraw.Draw(img).ellipse([60, 20, 140, 100], fill=(240, 200, 40, 255))
    sent = upload(page, img, tmp_path / "photo.png")
    # the split model's answers on the uploaded picture (not the sample's), computed here with the shipped model
    # at the page's setting (SP-3, k = 16, -5 dB AWGN, noise seed 0)
    from semcom_core.data.images import to_model_image
    from semcom_core.data.samples import load_samples
    from semcom_core.eval import live as L
    from semcom_core.eval.split import load_split
    image, _ = to_model_image(sent, (32, 32), 3)
    res = L.live_split(load_split("resnet18", "cifar10")[0], "SP-3", image, "cifar10", 16, -5.0, "awgn", 0)
    classes = load_samples("cifar10")[1]["classes"]
    (c, pc), (n, pn) = res.top("clean")[0], res.top("noisy")[0]
    line = page.get_by_text("Prediction: noiseless", exact=False)
    assert line.count() == 1
    said = line.inner_text()
    assert f"{classes[c]} ({pc:.2f})" in said and f"{classes[n]} ({pn:.2f})" in said and "-5 dB awgn" in said
    assert page.get_by_text("32x32", exact=False).count() >= 1 and page.get_by_text("true class", exact=False).count() == 0
    page.screenshot(path=str(ARTIFACTS / "explorer_upload.png"), full_page=True)
    # the link reopens the same view
    link = page.url
    page.goto(link)
    page.get_by_text("Normalized computation", exact=True).wait_for(timeout=90000)
    wait_running_done(page)
    assert float(metric_value(page, "Accuracy").rstrip(" %")) == acc_low and "split=SP-3" in page.url


@pytest.mark.parametrize("backbone", [
    pytest.param(bb, marks=pytest.mark.skipif(not (ROOT / "pretrained" / "split" / f"sweep_{bb}_cifar10.csv").is_file(),
                                             reason=f"no {bb} sweep table shipped"))
    for bb in ("resnet18", "resnet34")])
def test_explorer_paper_figures_from_the_shipped_table(page, server, backbone):
    """Paper 000's views for ResNet-18/34 on CIFAR-10 from the shipped zoo: the headline accuracy is the table's
    row, and each figure tab renders (screenshots of Figs. 3, 5, 6 and Table II)."""
    import pandas as pd
    t = pd.read_csv(ROOT / "pretrained" / "split" / f"sweep_{backbone}_cifar10.csv")
    row = t[(t.split == "SP-4") & (t.k == 64) & (t.snr_db == 5.0) & (t.channel == "awgn")]
    page.set_viewport_size({"width": 1400, "height": 2400})  # tall enough for a whole tab in each screenshot
    page.goto(server + f"/explorer?bb={backbone}&split=SP-4&k=64&snr=5&ch=awgn&target=0.8")
    page.get_by_text("Normalized computation", exact=True).wait_for(timeout=90000)
    page.get_by_text("Prediction: noiseless", exact=False).wait_for(timeout=90000)
    wait_running_done(page)
    assert metric_value(page, "Accuracy") == f"{100 * row.accuracy.item():.2f} %"
    assert page.get_by_text(f"on {row.n.item()} test images", exact=False).count() >= 1  # says what it rests on
    # and how the model was trained: its noiseless ceiling at SP-4, from the model card
    import json
    card = json.loads((ROOT / "pretrained" / "split" / f"split_{backbone}_cifar10.json").read_text())
    ceiling = f"{100 * card['split_test_accuracy']['SP-4']:.2f} %"
    assert page.get_by_text(ceiling, exact=False).count() >= 1, ceiling
    page.locator(".js-plotly-plot").first.wait_for(timeout=60000)
    page.screenshot(path=str(ARTIFACTS / f"explorer_{backbone}.png"), full_page=True)
    for tab, shot in (("Accuracy vs k (Fig. 3)", "fig3"), ("Accuracy vs SNR", "acc_snr"), ("Split × k map", "map"),
                      ("Computation (Fig. 5)", "fig5"),
                      ("Communication (Fig. 6)", "fig6"), ("Costs (Table II)", "table2")):
        page.get_by_role("tab", name=tab).click()
        panel = page.locator('[role="tabpanel"]:visible')
        (panel.locator(".js-plotly-plot") if shot != "table2" else panel.get_by_text("paper", exact=False)).first \
            .wait_for(timeout=60000)
        panel.screenshot(path=str(ARTIFACTS / f"explorer_{backbone}_{shot}.png"))  # the whole tab, scrolled to
    page.set_viewport_size({"width": 1400, "height": 1000})


IN_PLACE_CHARTS = ("acc_k", "vec", "top5")  # Fig. 3 and the live panel's charts: all change with k
MARK_CHARTS_JS = """(keys) => keys.map(k => {
  const gd = document.querySelector(`.st-key-${k} .js-plotly-plot`);
  if (gd) gd.__testMark = k;
  return !!gd;
})"""
READ_MARKS_JS = """(keys) => keys.map(k => {
  const gd = document.querySelector(`.st-key-${k} .js-plotly-plot`);
  return gd ? (gd.__testMark || 'rebuilt') : 'missing';
})"""


@pytest.mark.skipif(not (ROOT / "pretrained" / "split" / "sweep_resnet18_cifar10.csv").is_file(),
                    reason="ResNet-18 table not shipped")
def test_explorer_charts_update_in_place(page, server):
    """A change of k redraws Fig. 3 and the live panel's charts in place (semcom_ui.components.plotly_react):
    the same plotly element before and after (st.plotly_chart would have rebuilt each one), now showing the
    new k; the st.plotly_chart fallback is not in use and no exception is shown."""
    page.goto(server + "/explorer?bb=resnet18&split=SP-4&k=64&snr=5&ch=awgn&tab=acc-k")
    fig3 = page.locator(".st-key-acc_k .js-plotly-plot")
    fig3.wait_for(timeout=90000)
    page.get_by_text("Prediction: noiseless", exact=False).wait_for(timeout=90000)
    wait_running_done(page)
    page.wait_for_function("() => [...document.querySelectorAll('.st-key-acc_k .js-plotly-plot text')]"
                           ".some(t => t.textContent === 'k = 64')", timeout=60000)
    page.wait_for_function(f"() => {list(IN_PLACE_CHARTS)}.every(k => document.querySelector(`.st-key-${{k}} .main-svg`))",
                           timeout=60000)
    assert page.evaluate(MARK_CHARTS_JS, list(IN_PLACE_CHARTS)) == [True] * len(IN_PLACE_CHARTS)
    thumb = page.locator('[data-testid="stSlider"]').filter(has_text="k (numbers sent)").get_by_role("slider")
    thumb.focus()
    thumb.press("ArrowRight")
    page.wait_for_function("() => window.location.search.includes('k=128')", timeout=60000)
    page.wait_for_function("() => [...document.querySelectorAll('.st-key-acc_k .js-plotly-plot text')]"
                           ".some(t => t.textContent === 'k = 128')", timeout=60000)  # the marker moved
    page.get_by_text("128 numbers sent", exact=False).wait_for(timeout=60000)  # the live panel reran
    wait_running_done(page)
    assert page.evaluate(READ_MARKS_JS, list(IN_PLACE_CHARTS)) == list(IN_PLACE_CHARTS)
    assert page.locator('[data-testid="stPlotlyChart"]').count() == 0  # not the fallback
    assert page.locator('[data-testid="stException"]').count() == 0


BOX_TEXT_OVERFLOW_JS = """(root) => {
  const svg = root.querySelector('svg');
  const frame = svg.getBoundingClientRect();
  const out = [];
  for (const g of root.querySelectorAll('g.block')) {
    const box = g.querySelector('rect').getBoundingClientRect();
    for (const t of g.querySelectorAll('text')) {
      const r = t.getBoundingClientRect();
      out.push({text: t.textContent, size: parseFloat(getComputedStyle(t).fontSize) * box.width / g.querySelector('rect').width.baseVal.value,
                over: Math.max(box.left - r.left, r.right - box.right, box.top - r.top, r.bottom - box.bottom)});
    }
  }
  const outside = [...svg.querySelectorAll('text')].map(t => t.getBoundingClientRect())
      .filter(r => r.left < frame.left - 0.5 || r.right > frame.right + 0.5).length;
  return {boxes: root.querySelectorAll('g.block').length, texts: out, outside, width: frame.width};
}"""

LEGEND_ON_BARS_JS = """(root) => {
  const lg = root.querySelector('g.legend').getBoundingClientRect();
  const bars = [...root.querySelectorAll('g.trace.bars path')].map(p => p.getBoundingClientRect())
      .filter(r => r.width > 0 && r.height > 0);
  const hit = bars.filter(b => b.left < lg.right && b.right > lg.left && b.top < lg.bottom && b.bottom > lg.top);
  return {bars: bars.length, overlapping: hit.length};
}"""


@pytest.mark.skipif(not (ROOT / "pretrained" / "split" / "sweep_resnet18_cifar10.csv").is_file(),
                    reason="no split model and table shipped")
@pytest.mark.parametrize("width", [1280, 1920])
def test_explorer_diagram_text_fits_and_top5_legend_clears_the_bars(page, server, width):
    """Measured in the browser: every block's text inside its block in the network diagram, and the top-5
    legend off the bars, at 1280 and 1920 px."""
    page.set_viewport_size({"width": width, "height": 1000})
    page.goto(server + "/explorer?bb=resnet18&split=SP-4&k=64&snr=5&ch=awgn")
    diagram = page.locator(".st-key-diagram")
    diagram.locator("svg g.block").first.wait_for(timeout=90000)
    page.get_by_text("Prediction: noiseless", exact=False).wait_for(timeout=90000)
    wait_running_done(page)
    r = diagram.evaluate(BOX_TEXT_OVERFLOW_JS)
    assert r["boxes"] >= 8 and len(r["texts"]) >= 2 * r["boxes"] and r["outside"] == 0, r
    assert all(t["over"] <= 0 for t in r["texts"]), r["texts"]  # no text past its block's edges
    assert all(t["size"] >= 8 for t in r["texts"]), r["texts"]  # readable (rendered px, the SVG scaled)
    assert diagram.get_by_text("channel carries 64 numbers", exact=False).count() == 1
    diagram.screenshot(path=str(ARTIFACTS / f"explorer_diagram_{width}.png"))
    top5 = page.locator(".st-key-top5 .js-plotly-plot")
    top5.scroll_into_view_if_needed()
    t = top5.evaluate(LEGEND_ON_BARS_JS)
    assert t["bars"] >= 10 and t["overlapping"] == 0, t
    top5.screenshot(path=str(ARTIFACTS / f"explorer_top5_{width}.png"))
    page.set_viewport_size({"width": 1400, "height": 1000})


LABELS_JS = """(root) => [...root.querySelectorAll('g.annotation')].map(g => {
  const r = g.getBoundingClientRect();
  return {text: g.textContent, left: r.left, right: r.right, top: r.top, bottom: r.bottom};
})"""


@pytest.mark.skipif(not (ROOT / "pretrained" / "iot" / "iot_sweep.csv").is_file(), reason="IoT table not shipped")
def test_iot_cliff_label_clears_the_current_snr_label(page, server):
    """With the SNR set right at the separation cliff, the two labels on the IoT chart do not overlap."""
    import re
    page.set_viewport_size({"width": 1280, "height": 1000})
    page.goto(server + "/iot?ds=mnist&ch=complex_awgn&snr=0")
    chart = page.locator(".js-plotly-plot").first
    chart.wait_for(timeout=90000)
    wait_running_done(page)
    cliff_text = next(a["text"] for a in chart.evaluate(LABELS_JS) if "cliff" in a["text"])
    cliff = float(re.search(r"(-?[0-9.]+) dB", cliff_text).group(1))
    snr = round(cliff * 2) / 2  # the slider's step
    page.goto(server + f"/iot?ds=mnist&ch=complex_awgn&snr={snr:g}")
    chart = page.locator(".js-plotly-plot").first
    chart.wait_for(timeout=90000)
    wait_running_done(page)
    labels = chart.evaluate(LABELS_JS)
    c = next(a for a in labels if "cliff" in a["text"])
    s = next(a for a in labels if a["text"] == f"{snr:g} dB")
    apart = c["right"] <= s["left"] or s["right"] <= c["left"] or c["bottom"] <= s["top"] or s["bottom"] <= c["top"]
    assert apart, (c, s)
    chart.screenshot(path=str(ARTIFACTS / "iot_cliff_labels.png"))
    page.set_viewport_size({"width": 1400, "height": 1000})


@pytest.mark.skipif(not (ROOT / "pretrained" / "iot" / "iot_sweep.csv").is_file(), reason="IoT table not shipped")
def test_iot_upload_of_a_16_bit_scan_and_of_a_non_image(page, server, tmp_path):
    """Through the real uploader: a 16-bit greyscale scan of a dark digit on white is scaled (not clipped to
    white, then inverted to all black) and the note says so; a text file is refused with a message and no
    exception box."""
    import numpy as np
    from PIL import Image

    from semcom_core.data.images import to_model_image
    scan = np.full((112, 112), 60000, np.uint16)  # a light grey page
    scan[20:92, 48:64] = 3000  # a dark stroke
    path = tmp_path / "scan16.png"
    Image.fromarray(scan).save(path)
    image, notes = to_model_image(path.read_bytes(), (28, 28), 1, invert_light_background=True)
    assert image.min() < 40 and image.max() > 200  # what the page should show: a light stroke on black
    page.set_viewport_size({"width": 1280, "height": 1000})
    page.goto(server + "/iot?ds=mnist&ch=complex_awgn&snr=10")
    page.get_by_text("DeepSC-IoT accuracy").wait_for(timeout=90000)
    wait_running_done(page)
    page.get_by_text("upload", exact=True).click()
    page.locator('input[type="file"]').set_input_files(str(path))
    page.get_by_text("not clipped", exact=False).first.wait_for(timeout=60000)
    wait_running_done(page)
    caption = page.get_by_text("not clipped", exact=False).first.inner_text()
    assert "16-bit" in caption and "inverted" in caption and "test image #" not in caption
    page.screenshot(path=str(ARTIFACTS / "iot_upload_16bit.png"), full_page=True)
    text = tmp_path / "notes.txt"
    text.write_text("not a picture\n" * 10)
    page.locator('input[type="file"]').set_input_files(str(text))
    error = page.locator('[data-testid="stAlert"]').filter(has_text="Could not use this file")
    error.wait_for(timeout=60000)
    assert "text file" in error.inner_text()
    assert page.locator('[data-testid="stException"]').count() == 0
    page.set_viewport_size({"width": 1400, "height": 1000})


@pytest.mark.parametrize("path,names", [("/explorer?snr=nan", ["snr"]), ("/explorer?lg=nan&target=nan", ["lg", "target"]),
                                        ("/costs?lg=nan", ["lg"]), ("/iot?snr=nan", ["snr"]),
                                        ("/costs?lg=inf&k=1e3&zzz=1", ["lg", "k", "zzz"])])
def test_the_issues_nan_links_fall_back_with_a_notice(page, server, path, names):
    """The links issue 27 found taken as values: each parameter named once in a notice, the page drawn with
    the default, nothing reading "nan", no exception box."""
    page.set_viewport_size({"width": 1280, "height": 1000})
    page.goto(server + path)
    page.locator('[data-testid="stMetric"]').first.wait_for(timeout=120000)
    wait_running_done(page)
    notices = page.locator('[data-testid="stAlert"]').filter(has_text="URL parameter").all_inner_texts()
    for n in names:
        assert sum(f"URL parameter {n}" in t for t in notices) == 1, (n, notices)
    assert len(notices) == len(names), notices
    values = page.locator('[data-testid="stMetricValue"]').all_inner_texts()
    assert values and not any("nan" in v.lower() for v in values), values
    assert page.locator('[data-testid="stException"]').count() == 0
    page.set_viewport_size({"width": 1400, "height": 1000})


@pytest.mark.parametrize("width", [1280, 1920])
def test_every_page_screenshot_without_horizontal_overflow(page, server, width):
    """Every page at a laptop's and a desktop's width: screenshots in test-artifacts/, nothing wider than the
    window (no horizontal scrollbar), no exception box."""
    from semcom_ui.nav import PAGES
    page.set_viewport_size({"width": width, "height": 1000})
    try:
        for file, title, _ in PAGES:
            path = "/" if file == "home.py" else "/" + file.removesuffix(".py")
            page.goto(server + path)
            page.locator("h1").first.wait_for(timeout=90000)
            wait_running_done(page)
            page.screenshot(path=str(ARTIFACTS / f"page_{file.removesuffix('.py')}_{width}.png"), full_page=True)
            assert page.locator('[data-testid="stException"]').count() == 0, path
            over = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
            assert over <= 0, (path, width, over)
    finally:
        page.set_viewport_size({"width": 1400, "height": 1000})


@pytest.mark.skipif(not (ROOT / "pretrained" / "split" / "sweep_resnet18_cifar10.csv").is_file(),
                    reason="ResNet-18 table not shipped")
def test_five_users_at_once(page, server):
    """Five browser sessions change controls at the same moment and two press "Measure now" for the same
    setting together: every session shows what one user alone would (the table's row for its own setting,
    the same measured accuracy), no exception box, and the server stays healthy."""
    import pandas as pd
    t = pd.read_csv(ROOT / "pretrained" / "split" / "sweep_resnet18_cifar10.csv")
    browser = page.context.browser
    contexts = [browser.new_context(viewport={"width": 1280, "height": 900}) for _ in range(5)]
    try:
        users = [c.new_page() for c in contexts]
        snrs = (0, 3, 5, 10, 20)
        for u, s in zip(users, snrs):
            u.goto(server + f"/explorer?bb=resnet18&split=SP-4&k=64&snr={s}&ch=awgn")
        for u in users:
            u.get_by_text("Prediction: noiseless", exact=False).wait_for(timeout=120000)
        # all five change k at once (64 -> 128 by keyboard), without waiting for one another
        for u in users:
            u.locator('[data-testid="stSlider"]').filter(has_text="k (numbers sent)").get_by_role("slider").press("ArrowRight")
        for u, s in zip(users, snrs):
            u.wait_for_function("() => window.location.search.includes('k=128')", timeout=120000)
            wait_running_done(u)
            row = t[(t.split == "SP-4") & (t.k == 128) & (t.snr_db == float(s)) & (t.channel == "awgn")]
            assert metric_value(u, "Accuracy") == f"{100 * row.accuracy.item():.2f} %", s
            assert u.locator('[data-testid="stException"]').count() == 0
        # two users measure the same setting at the same time: one run, the same answer on both pages
        a, b = users[0], users[1]
        b.locator('[data-testid="stSlider"]').filter(has_text="SNR (dB)").get_by_role("slider").press("Home")
        a.locator('[data-testid="stSlider"]').filter(has_text="SNR (dB)").get_by_role("slider").press("Home")
        for u in (a, b):
            u.wait_for_function("() => window.location.search.includes('snr=-5')", timeout=120000)
            wait_running_done(u)
            u.get_by_text("Measure now: evaluate exactly this setting", exact=False).click()
        for u in (a, b):
            u.get_by_role("button", name="Measure now").click()
        said = []
        for u in (a, b):
            u.get_by_text("Measured:", exact=False).wait_for(timeout=300000)
            said.append(u.get_by_text("Measured:", exact=False).inner_text())
            assert u.locator('[data-testid="stException"]').count() == 0
        assert said[0] == said[1] and "1000 test images" in said[0], said
        from semcom_core.eval.split import evaluate  # what one user alone, or the CLI, measures at this setting
        r = evaluate("cifar10", "resnet18", "SP-4", 128, -5.0, "awgn", 1000, seed=0)
        assert f"{100 * r['accuracy']:.2f} %" in said[0], (r, said[0])
        import urllib.request
        assert urllib.request.urlopen(server + "/_stcore/health", timeout=10).read() == b"ok"
    finally:
        for c in contexts:
            c.close()


def test_toc_page_budget_moves_the_numbers(page, server):
    """Budgeted TOC: a typed budget B goes to the URL and moves which static models fit B."""
    from semcom_core.toc.costs import toc_costs
    r20, r56 = (toc_costs(m, 10, "paper").exit_macs[0] for m in ("static-resnet20", "static-resnet56"))
    page.goto(server + f"/toc?B={r20}&ch=awgn&snr=0")
    page.get_by_text("Accuracy vs budget B").wait_for(timeout=90000)
    wait_running_done(page)
    assert metric_value(page, "Static models that fit B") == "ResNet-20"
    box = page.get_by_label("…or type B", exact=True).and_(page.get_by_test_id("stTextInputField"))
    box.fill(f"{r56 / 1e6 + 1:.1f}M")
    box.press("Enter")
    page.wait_for_function(f"() => window.location.search.includes('B={round(r56 / 1e6 + 1, 1) * 1e6:.10g}')",
                           timeout=60000)
    wait_running_done(page)
    page.locator('[data-testid="stMetric"]').filter(has_text="Static models that fit B").filter(
        has_text="ResNet-56").wait_for(timeout=60000)  # the rerun after the URL changed has drawn
    fits = metric_value(page, "Static models that fit B")
    assert "ResNet-56" in fits and "ResNet-20" in fits, fits
    assert page.locator('[data-testid="stException"]').count() == 0


def test_toc_page_dynamic_headline_and_gallery_follow_b(page, server):
    """With the dynamic model shipped and measured: at each B its headline is the results table's row at that
    B and the exit gallery shows the sample images."""
    from semcom_core.toc.costs import toc_costs
    from semcom_core.toc.tables import load_results, stale_rows
    table = load_results("cifar10")
    shipped = (ROOT / "pretrained" / "toc" / "toc_dynamic_cifar10.safetensors").is_file()
    if table is None or not shipped or "dynamic" in stale_rows(table, "cifar10"):
        pytest.skip("the dynamic TOC model is not shipped and measured")
    r20, r56 = (toc_costs(m, 10, "paper").exit_macs[0] for m in ("static-resnet20", "static-resnet56"))
    dyn = table[(table.model == "dynamic") & (table.channel == "awgn") & (table.snr_db == 0.0)]
    for b in (r20, r56 + 1e6):
        page.goto(server + f"/toc?B={b}&ch=awgn&snr=0")
        page.get_by_text("Accuracy vs budget B").wait_for(timeout=90000)
        wait_running_done(page)
        row = dyn[dyn.budget <= b * (1 + 1e-9)].sort_values("budget").iloc[-1]
        assert metric_value(page, "Dynamic accuracy at B") == f"{100 * row.accuracy:.2f} %"
        page.get_by_text("Exit 1 ·", exact=False).first.wait_for(timeout=60000)
        captions = page.locator('[data-testid="stImage"]').count()
        assert 0 < captions <= 5 * 6  # at most 6 sample images per exit
    page.screenshot(path=str(ARTIFACTS / "toc_gallery.png"), full_page=True)


@pytest.mark.skipif(not (ROOT / "pretrained" / "split" / "sweep_resnet18_cifar10.csv").is_file(),
                    reason="ResNet-18 table not shipped")
def test_planner_recommends_reacts_to_controls_and_draws_the_digital_section(page, server):
    """Planner in a real browser: a reachable target gives a recommendation, an unreachable one says that no
    candidate meets every constraint; the objective radio writes the URL; the analog-vs-digital section
    draws its charts; paper 001's TOC models are drawn apart and a TOC choice links to the Budgeted TOC page;
    never an exception box."""
    page.goto(server + "/planner?bb=resnet18&acc=0.5&obj=latency&mode=both&snr=5")
    page.locator("h1").first.wait_for(timeout=90000)
    wait_running_done(page)
    ok = page.locator('[data-testid="stAlert"]').filter(has_text="Fastest configuration").first
    ok.wait_for(timeout=60000)
    chosen_toc = "TOC" in ok.inner_text()
    assert chosen_toc or "SP-" in ok.inner_text()
    assert page.locator('[data-testid="stException"]').count() == 0
    page.get_by_text("Analog vs digital").first.wait_for(timeout=60000)
    wait_running_done(page)
    page.locator(".js-plotly-plot").nth(1).wait_for(timeout=60000)  # charts mount after the text
    from semcom_core.plan.toc import shipped_toc
    if shipped_toc("cifar10")[1]:  # TOC models shipped: their own legend entry in the Pareto charts
        page.get_by_text("TOC models (paper 001)", exact=False).first.wait_for(timeout=60000)
        assert chosen_toc  # at 50 % the dynamic model at its cheapest budget is the fastest (docs/planner.md)
    from semcom_ui.views.planner import OBJECTIVE_LABELS
    page.get_by_text(OBJECTIVE_LABELS["energy"], exact=True).click()
    page.wait_for_function("() => window.location.search.includes('obj=energy')", timeout=60000)
    wait_running_done(page)
    assert page.locator('[data-testid="stException"]').count() == 0
    if chosen_toc:  # the link opens the Budgeted TOC page at the chosen model and budget
        page.get_by_text(OBJECTIVE_LABELS["latency"], exact=True).click()
        page.wait_for_function("() => window.location.search.includes('obj=latency')", timeout=60000)
        wait_running_done(page)
        page.get_by_text("Open the Budgeted TOC page at", exact=False).first.click()
        page.wait_for_function("() => window.location.pathname.endsWith('/toc') && "
                               "window.location.search.includes('B=')", timeout=60000)
        page.get_by_text("Accuracy vs budget B").first.wait_for(timeout=90000)
        wait_running_done(page)
        assert page.locator('[data-testid="stException"]').count() == 0
    page.goto(server + "/planner?bb=resnet18&acc=0.99&obj=latency&mode=analog&snr=5")
    page.get_by_text("No candidate meets every constraint", exact=False).first.wait_for(timeout=60000)
    assert page.locator('[data-testid="stException"]').count() == 0
    page.screenshot(path=str(ARTIFACTS / "planner_infeasible.png"), full_page=True)
