import hashlib
import math
import uuid

import numpy as np
import streamlit as st

from semcom_core.costs import compute as C
from semcom_core.data.registry import DatasetError, get_spec
from semcom_core.eval import live as L
from semcom_core.eval import readings as R
from semcom_core.eval.stats import accuracy_interval
from semcom_core.nets.split import K_CHOICES
from semcom_ui import cached, plots
from semcom_ui.components.plotly_react import plotly_chart
from semcom_ui.jobs import JobQueueFull
from semcom_ui.nav import ensure_navigation
from semcom_ui.state import QueryState, parse_bool
from semcom_ui.views import explorer as X

ensure_navigation()

st.title("Split-inference explorer")
st.caption("Paper 000: cut a ResNet at a split point, send k numbers over a noisy channel, finish on the "
           "receiver. Accuracy comes from the shipped sweep tables (measured on real test images); computation "
           "and communication from the exact cost model. Conventions: SNR = signal power / noise power per "
           "real number sent (σ = 10^(-SNR/20) at unit power); costs in MACs (1 MAC = 2 FLOPs); k counts "
           "real numbers (k/2 complex channel uses).")

q = QueryState(st.query_params)
side = st.sidebar
DATASETS = ("cifar10",)
dataset = side.selectbox("Dataset", DATASETS, index=DATASETS.index(q.get("ds", "cifar10", DATASETS)), key="ds",
                         help="CIFAR-10 (the JPEG quality-75 copy on these machines). CIFAR-100 is not available here.")
BACKBONES = X.offered_backbones(dataset)
spec = get_spec(dataset)
default_bb = X.default_backbone(BACKBONES, dataset)
backbone = side.selectbox("Backbone", BACKBONES, index=BACKBONES.index(q.get("bb", default_bb, BACKBONES)), key="bb",
                          format_func=lambda b: b + (" (small demo model)" if b in X.DEMO_BACKBONES else ""),
                          help="ResNet-18/34: paper 000's models (the ones with shipped weights or tables are offered).")
stages = C.stage_costs(backbone, spec.num_classes)
SPLITS = tuple(f"SP-{i}" for i in range(len(stages) + 1))
budget_m = side.number_input(
    "Transmitter budget B (M MACs per image)", 0.0, 1e7, q.get("B", 0.0, cast=float, lo=0.0, hi=1e13) / 1e6, 10.0,
    key="tx_budget", format="%g",
    help="Paper 001's budget: the most the transmitter may compute per image (1 MAC = 2 FLOPs). Split points whose "
         "transmitter part costs more are marked 'over B'. 0: no budget.")
budget = budget_m * 1e6 if budget_m > 0 else None
bview = None
if budget is not None:  # transmitter MACs per split point at the k in use (the compressor's share depends on k)
    k_for_costs = q.get("k", 64, K_CHOICES, int) if "k" not in st.session_state else st.session_state["k"]
    bview = X.budget_view(cached.cost_table(backbone, spec.num_classes, k_for_costs), SPLITS,
                          st.session_state.get("split", X.DEFAULT_SPLIT), budget)
split = side.selectbox("Split point", SPLITS, index=SPLITS.index(q.get("split", X.DEFAULT_SPLIT if X.DEFAULT_SPLIT in SPLITS else SPLITS[1],
                                                                        SPLITS)), key="split",
                       format_func=lambda s: X.budget_label(s, bview),
                       help=f"SP-0 sends the image, {SPLITS[-1]} the logits (the receiver takes the label); "
                            "SP-i in between cuts after the i-th stage.")
cut = SPLITS.index(split)
fixed = R.fixed_size(split, len(SPLITS), math.prod(spec.image_shape), spec.num_classes)
k = side.select_slider("k (numbers sent)", K_CHOICES, value=q.get("k", 64, K_CHOICES, int), key="k",
                       help="Size of the bottleneck z in real numbers. One trained codec per split serves every k: "
                            "the transmitter sends its first k features, the receiver zero-fills the rest.",
                       disabled=fixed is not None)
k_sent = fixed or k
channel = side.radio("Channel", X.EXPLORER_CHANNELS, index=X.EXPLORER_CHANNELS.index(q.get("ch", "awgn", X.EXPLORER_CHANNELS)),
                     key="ch", horizontal=True,
                     help="awgn: additive white Gaussian noise on each real number. rayleigh: per-symbol Rayleigh "
                          "fading on complex pairs, MMSE-equalized with perfect CSI.")
snr = side.slider("SNR (dB)", X.SNR_RANGE[0], X.SNR_RANGE[1],
                  q.get("snr", 5.0, cast=float, lo=X.SNR_RANGE[0], hi=X.SNR_RANGE[1]), 0.5, key="snr",
                  help="Signal-to-noise ratio per real number sent. The tables are measured at "
                       f"{', '.join(f'{v:g}' for v in X.TABLE_SNRS)} dB (the slider's range); in between the page "
                       "interpolates and says so.")
log_gamma = side.slider("log10 γ", -5.0, 0.0, q.get("lg", -3.0, cast=float, lo=-5.0, hi=0.0), 0.1, key="lg",
                        help="γ = receiver time per FLOP / transmitter time per FLOP (paper 000 eq. 6). Small γ: a "
                             "receiver much faster than the transmitter (a server).")
gamma = 10 ** log_gamma
target = side.slider("Target accuracy", 0.50, 0.99, q.get("target", 0.85, cast=float, lo=0.5, hi=0.99), 0.01, key="target",
                     help="For Fig. 6: the smallest k that reaches this test accuracy, at each SNR and split point.")
seconds = side.toggle("Think in seconds", q.get("sec", False, cast=parse_bool), key="sec",
                      help="Turn MACs into time with device and link presets: T = α_t·F_t + α_r·F_r + S(z)/R.")
devices, links = list(C.DEVICE_PRESETS), list(C.LINK_PRESETS)
tx_dev = rx_dev = link = None
bits = 32
if seconds:
    tx_dev = side.selectbox("Transmitter device", devices, index=devices.index(q.get("txd", devices[0], devices)),
                            key="txd", help="Peak FP32 FLOP/s of the edge device (sources in semcom_core/costs/compute.py).")
    rx_dev = side.selectbox("Receiver device", devices, index=devices.index(q.get("rxd", devices[-1], devices)),
                            key="rxd", help="Peak FP32 FLOP/s of the server.")
    link = side.selectbox("Link", links, index=links.index(q.get("link", links[1], links)), key="link",
                          help="Nominal uplink rate.")
    bits = side.selectbox("Bits per number", (8, 16, 32), index=(8, 16, 32).index(q.get("bits", 32, (8, 16, 32), int)),
                          key="bits", help="Quantization of each element of z on the link (SP-0 sends the image: its 8-bit pixels, at most 8 bits).")
tab_slug = q.get("tab", X.TAB_SLUGS[0], X.TAB_SLUGS)  # the open tab (drawn below)
state = {"ds": dataset, "bb": backbone, "split": split, "k": str(k), "ch": channel, "snr": f"{snr:g}",
         "lg": f"{log_gamma:.1f}", "target": f"{target:.2f}", "sec": "1" if seconds else "0"}
if budget is not None:
    state["B"] = f"{budget:.10g}"  # MAC counts are exact integers: a rounded B could flip "within B" on a shared link
if seconds:
    state.update({"txd": tx_dev, "rxd": rx_dev, "link": link, "bits": str(bits)})
st.query_params.from_dict(state)
for n in q.notices:  # only on the run that read the user's link (semcom_ui.state)
    st.warning(n)
if budget is not None:  # said for the split point actually chosen (the selector may have just changed it)
    bview = X.budget_view(cached.cost_table(backbone, spec.num_classes, k), SPLITS, split, budget)
    if bview.warning:
        st.warning(bview.warning)
    else:
        st.caption(bview.caption)

costs = cached.cost_table(backbone, spec.num_classes, k)
cur = costs[(costs.split == split) & (costs.convention == "true")].iloc[0]
try:
    table = cached.channel_table(backbone, dataset, channel)  # this channel's rows
    table_error = None
except DatasetError as e:
    table, table_error = None, str(e)
try:
    multi, card = cached.split_model(backbone, dataset)
    model_error = None
except DatasetError as e:
    multi, card, model_error = None, None, str(e)
k_max = multi.k_max if multi is not None else None
k_model, k_warning = X.k_for_model(k_sent, fixed, k_max)
if k_warning:
    st.warning(f"{backbone}: {k_warning}.")
unsplit_acc = cached.unsplit_accuracy(backbone, dataset)  # the reference every split is compared with (its card)

# ---------------------------------------------------------------- figures, cached by what they show
# Building a plotly figure costs 10-100 ms; a figure is kept per setting (shared by every session) so moving
# a control back and forth, or another user at the same setting, reuses it.
@st.cache_resource(show_spinner=False, max_entries=512)
def fig_accuracy_vs_k(bb, ds, ch, sp, kk, s, unsplit):
    t = cached.channel_table(bb, ds, ch)
    return plots.accuracy_vs_k_figure(t[t.split == sp], kk, s, unsplit)


@st.cache_resource(show_spinner=False, max_entries=512)
def fig_accuracy_vs_snr(bb, ds, ch, sp, kk, s, reading_acc):
    t = cached.channel_table(bb, ds, ch)
    return plots.accuracy_vs_snr_figure(t[t.split == sp], kk, s, reading_acc)  # SP-0/SP-6: their one fixed k


@st.cache_resource(show_spinner=False, max_entries=512)
def fig_heatmap(bb, ds, ch, sp, kk, near):
    t = cached.channel_table(bb, ds, ch)
    return plots.accuracy_heatmap_figure(t[t.snr_db == near], sp, kk, near)


@st.cache_data(show_spinner=False)
def monotonicity(bb, ds, ch):
    return R.monotonicity_report(cached.channel_table(bb, ds, ch))


@st.cache_data(show_spinner=False, max_entries=512)
def diagram_svg(bb, classes, sp, kk) -> str:
    st_costs = C.stage_costs(bb, classes)
    cut_at = int(sp.split("-")[1])
    codec_c = C.codec_costs(C.split_costs(bb, classes, sp, kk), st_costs, cut_at)
    return plots.network_diagram_svg(list(st_costs), cut_at, kk, sp, codec_c)


@st.cache_resource(show_spinner=False, max_entries=512)
def fig_computation(bb, classes, kk, g, sp):
    c = cached.cost_table(bb, classes, kk)
    return plots.normalized_computation_figure(c[c.convention == "true"], g, sp)


@st.cache_data(show_spinner=False, max_entries=512)
def min_k_table(bb, ds, ch, tgt, image_elements):
    return R.min_k_for_target(cached.channel_table(bb, ds, ch), tgt, ch, image_elements)


@st.cache_resource(show_spinner=False, max_entries=512)
def fig_min_communication(bb, ds, ch, tgt, s, sp, classes, image_elements):
    mk_ = min_k_table(bb, ds, ch, tgt, image_elements)
    shannon_ = X.shannon_curve(classes, image_elements, np.linspace(X.SNR_RANGE[0], X.SNR_RANGE[1], 51), ch)
    return plots.min_communication_figure(mk_, tgt, s, sp, shannon_)


# ---------------------------------------------------------------- headline numbers
reading = R.accuracy_at(table, split, k_model, snr, channel) if table is not None else None
presets = (C.DEVICE_PRESETS[tx_dev], C.DEVICE_PRESETS[rx_dev], C.LINK_PRESETS[link], bits) if seconds else None
head = X.headline(cur, reading, snr, channel, k_sent, math.prod(spec.image_shape), gamma, dataset, table_error, presets)
for col, mt in zip(st.columns(len(head.metrics)), head.metrics):
    col.metric(mt.label, mt.value, help=mt.help)
if head.latency_note:
    st.caption(head.latency_note)
if head.accuracy_note:
    st.caption(head.accuracy_note)
if model_error:
    st.info(f"No trained split model for {backbone} yet: {model_error}. Costs below need no weights.")
elif card:
    note = X.training_note(card, split, k_max, unsplit_acc)
    if note:
        (st.info if note.far_below else st.caption)(note.text)



@st.fragment(run_every=0.3)
def measure_progress(key: tuple) -> None:
    """Polls a running measurement (only this fragment reruns); one full rerun when it is done."""
    runner = cached.job_runner()
    job = runner.get(key)
    if job is None or job.done:
        st.rerun(scope="app")
    ahead = runner.position(key)
    st.progress(job.progress, text=f"measuring {cached.describe_measurement(key)}: {job.progress:.0%}"
                + (f" (waiting: {ahead} measurement{'s' * (ahead > 1)} ahead)" if ahead else ""))


def session_id() -> str:
    """This browser session's id: who waits for a measurement (one user's Cancel never stops another's)."""
    if "session_id" not in st.session_state:
        st.session_state["session_id"] = uuid.uuid4().hex
    return st.session_state["session_id"]


def cancel_for_this_session(runner, key: tuple) -> None:
    """This session stops waiting for `key`; the measurement stops unless another session waits for it too."""
    stopped = runner.cancel(key, session_id())
    st.session_state["runs_on_for_others"] = None if stopped else key
    if key == st.session_state.get("measure_pending"):
        st.session_state["measure_pending"] = None
    st.rerun()


def measure_panel(bb: str, ds: str, sp: str, kk: int, s: float, ch: str) -> None:
    """Measure this exact setting on test images, off the script thread (semcom_ui.jobs): the page and
    other users' pages keep answering while it runs; a second press, or a second user, joins the same run.
    A measurement started here and left running (a control changed) stays in view until it ends."""
    runner = cached.job_runner()
    pending = st.session_state.get("measure_pending")
    with st.expander("Measure now: evaluate exactly this setting on test images",
                     expanded=bool(st.session_state.get("measure_open"))):
        c1, c2 = st.columns([2, 1])
        n_eval = c1.select_slider("Test images", (100, 500, 1000, 2000, 5000, 10000), value=1000, key="n_eval",
                                  help="The first n images of the test set; noise seed 0.")
        key = cached.measure_key(bb, ds, sp, kk, s, ch, n_eval)
        job = runner.get(key)
        if c2.button("Measure now", key="measure"):
            st.session_state["measure_open"] = True
            try:
                job = cached.submit_measurement(bb, ds, sp, kk, s, ch, n_eval, who=session_id())
                st.session_state["measure_pending"] = pending = key
            except JobQueueFull as e:
                st.warning(f"Not started: {e}.")
            except (DatasetError, ValueError, OSError) as e:
                st.error(str(e))
                return
        other = runner.get(pending) if pending and pending != key else None
        if other is not None and other.running:  # this session's measurement of another setting
            cc1, cc2 = st.columns([4, 1])
            with cc1:
                measure_progress(pending)
            cc1.caption("Its result appears here when you return to that setting.")
            if cc2.button("Cancel", key="cancel_other"):
                cancel_for_this_session(runner, pending)
        if job is None:
            return
        if job.running:
            cc1, cc2 = st.columns([4, 1])
            with cc1:
                measure_progress(key)
            if cc2.button("Cancel", key="cancel"):
                cancel_for_this_session(runner, key)
            if st.session_state.get("runs_on_for_others") == key:
                st.caption("Another session is waiting for this measurement too: it runs on for them.")
        elif job.error == "cancelled":
            st.info(f"Cancelled: {cached.describe_measurement(key)}.")
        elif job.error:
            st.error(f"The measurement failed: {job.error}")
        else:
            r = job.result
            lo, hi = accuracy_interval(r["accuracy"], r["n"])
            st.success(f"Measured: **{100 * r['accuracy']:.2f} %** on {r['n']} test images (95 % interval "
                       f"{100 * lo:.1f}-{100 * hi:.1f} %; {sp}, k = {r.get('k', kk)}, {s:g} dB, {ch}, "
                       f"seed {r['seed']}; {r['seconds']:g} s).")


if multi is not None:
    measure_panel(backbone, dataset, split, k_model, snr, channel)

# ---------------------------------------------------------------- the network and the cut
# inline SVG, not a plotly chart: the browser rebuilt the plotly diagram (a few hundred ms of main-thread time on
# this machine) on every k and split change; an SVG of ~60 elements is swapped in at once (benchmarks/app_speed.py).
# Through st.markdown: st.html sanitizes with DOMPurify's HTML-only profile, which drops <svg>.
with st.container(key="diagram"):
    st.markdown(diagram_svg(backbone, spec.num_classes, split, k_sent), unsafe_allow_html=True)

TABS = X.TABS
# the link's tab opens first; the default stays the same for the whole session (a widget whose default
# changed would be a new widget, and the user's click would be lost)
first_tab = st.session_state.setdefault("tab_first", tab_slug)
tabs = st.tabs(TABS, key="tab", on_change="rerun",  # lazy: only the open tab is computed and drawn
               default=TABS[X.TAB_SLUGS.index(first_tab)])
st.query_params["tab"] = next((X.TAB_SLUGS[i] for i, t in enumerate(tabs) if t.open), tab_slug)  # a link reopens it
tab_of = dict(zip(TABS, tabs))
acc_tabs = tabs[:3]
for i, tab in enumerate(acc_tabs):
    if not tab.open:
        continue
    with tab:
        if table is None:
            st.info(table_error)
            continue
        if table[table.split == split].empty:
            st.info(f"{split} has no rows in the {channel} table yet (being measured?): nothing to draw.")
            continue
        if i == 0:
            if fixed is None:
                plotly_chart(fig_accuracy_vs_k(backbone, dataset, channel, split, k_model, snr, unsplit_acc), key="acc_k")
            else:
                st.caption(f"{split} sends a fixed {fixed} numbers: accuracy does not depend on k.")
        elif i == 1:
            plotly_chart(fig_accuracy_vs_snr(backbone, dataset, channel, split, k_model, snr,
                                             reading.accuracy if reading else None), key="acc_snr")
        else:
            near = min(sorted(table.snr_db.unique()), key=lambda s: abs(s - snr))
            st.caption(f"Every split point and k at {near:g} dB (the table's SNR nearest to {snr:g} dB), {channel}.")
            plotly_chart(fig_heatmap(backbone, dataset, channel, split, k_model, near), key="heat")
        st.download_button("Download the accuracy table (CSV)", table.to_csv(index=False),
                           f"accuracy_{backbone}_{dataset}_{channel}.csv", "text/csv", key=f"dl_acc{i}")
        bad = monotonicity(backbone, dataset, channel)
        if len(bad):  # lazy: the table (and the browser's data-grid code) only once opened
            drops = st.expander(f"{len(bad)} places where accuracy falls as k or SNR grows (beyond sampling noise)",
                                key=f"drops{i}", on_change="rerun")
            if drops.open:
                with drops:
                    st.dataframe(bad, hide_index=True)
if tab_of["Computation (Fig. 5)"].open:
    with tab_of["Computation (Fig. 5)"]:
        sub = costs[costs.convention == "true"]
        plotly_chart(fig_computation(backbone, spec.num_classes, k, gamma, split), key="fig5")
        st.download_button("Download (CSV)", sub.to_csv(index=False), f"computation_{backbone}_k{k}.csv", "text/csv",
                           key="dl_comp")
if tab_of["Communication (Fig. 6)"].open:
    with tab_of["Communication (Fig. 6)"]:
        if table is None:
            st.info(table_error)
        else:
            mk = min_k_table(backbone, dataset, channel, target, math.prod(spec.image_shape))
            plotly_chart(fig_min_communication(backbone, dataset, channel, target, snr, split, spec.num_classes,
                                               math.prod(spec.image_shape)), key="fig6")
            st.caption(X.shannon_caption(channel))
            st.download_button("Download (CSV)", mk.to_csv(index=False), f"min_k_{backbone}_{target:.2f}.csv", "text/csv",
                               key="dl_fig6")
if tab_of["Latency"].open:
    with tab_of["Latency"]:
        td = tx_dev or devices[0]
        rd = rx_dev or devices[-1]
        lk = link or links[1]
        parts = C.latency_table(costs[costs.convention == "true"], C.DEVICE_PRESETS[td], C.DEVICE_PRESETS[rd],
                                C.LINK_PRESETS[lk], bits)
        st.caption(f"{td} → {lk} → {rd}, {bits} bits per number (SP-0: the image's 8-bit pixels, at most 8)"
                   + ("" if seconds else " (turn on 'Think in seconds' to choose)"))
        plotly_chart(plots.latency_figure(parts, split), key="lat")
        st.download_button("Download (CSV)", parts.to_csv(index=False), f"latency_{backbone}.csv", "text/csv", key="dl_lat")
if tab_of["Costs (Table II)"].open:
    with tab_of["Costs (Table II)"]:
        st.info(C.CONVENTION_NOTES["difference"])
        st.dataframe(costs, hide_index=True)
        st.download_button("Download (CSV)", costs.to_csv(index=False), f"costs_{backbone}_k{k}.csv", "text/csv",
                           key="dl_costs")

# ---------------------------------------------------------------- live inference
@st.cache_data(show_spinner=False, max_entries=512)
def reference_top(bb: str, ds: str, image_key: str, _image: np.ndarray, _reference) -> list[tuple[int, float]]:
    """The unsplit model's top-5 for one image: depends on the image only, so it is computed once."""
    return L.top_classes(L.unsplit_probs(_reference, _image, ds))


@st.cache_data(show_spinner=False, max_entries=256)
def live_features(bb: str, ds: str, sp: str, image_key: str, _image: np.ndarray, _multi):
    """The transmitter's output for this image and split: computed once, reused for every k, SNR and noise draw."""
    return L.transmit(_multi, sp, _image, ds)


@st.cache_data(show_spinner=False, max_entries=512)
def live_clean(bb: str, ds: str, sp: str, image_key: str, kk: int, _image: np.ndarray, _multi) -> np.ndarray:
    """The noiseless-channel answer for this image, split and k: independent of the SNR and the noise draw."""
    return L.noiseless_probs(_multi, sp, live_features(bb, ds, sp, image_key, _image, _multi), kk)


@st.cache_data(show_spinner=False, max_entries=512)
def live_run(bb: str, ds: str, sp: str, image_key: str, kk: int, s: float, ch: str, seed: int, _image: np.ndarray,
             _multi) -> L.LiveSplitResult:
    return L.live_split(_multi, sp, _image, ds, kk, s, ch, seed,
                        features=live_features(bb, ds, sp, image_key, _image, _multi),
                        clean=live_clean(bb, ds, sp, image_key, kk, _image, _multi))


@st.fragment
def live_panel(bb: str, ds: str, sp: str, kk: int, s: float, ch: str) -> None:
    """One image through the split model. A fragment: choosing an image or re-drawing the noise reruns only
    this panel."""
    st.subheader("Live: one image through the split model")
    multi = card = reference = None
    try:
        multi, card = cached.split_model(bb, ds)
    except DatasetError as e:
        model_err = str(e)
    if card and "backbone_from" in card:  # the split model runs on the shipped backbone itself (sha256-checked)
        reference = multi.backbone
    else:
        try:
            reference = cached.unsplit_model(bb, ds)
        except DatasetError:
            reference = None
    if multi is None:
        st.info(f"Live inference needs the trained split model: {model_err}" +
                (f"\n\nMeanwhile the unsplit {bb} (no cut, no channel) classifies the image below."
                 if reference is not None else ""))
        if reference is None:
            return
    samples, meta = cached.samples(ds)
    classes = meta.get("classes") or [str(i) for i in range(get_spec(ds).num_classes)]

    def named(top: list[tuple[int, float]]) -> list[tuple[str, float]]:
        return [(classes[i], p) for i, p in top]

    src = st.radio("Image", ("shipped sample", "upload"), horizontal=True, key="src",
                   help="A CIFAR-10 test image shipped with the app, or your own picture.")
    image, notes, image_key = None, [], None
    if src == "upload":
        up = st.file_uploader("An image (any common format and pixel size, up to 20 MB)", type=None, key="upload",
                              help="Decoded with Pillow only; converted to 32x32 RGB (the note says what was done).")
        if up is not None:
            data = up.getvalue()
            digest = hashlib.sha256(data).hexdigest()
            try:
                image, notes = cached.upload_image(digest, data, tuple(get_spec(ds).image_shape[:2]),
                                                   get_spec(ds).image_shape[2])
                image_key = "upload:" + digest
            except ValueError as e:
                st.error(f"Could not use this file: {e}")
    elif samples:
        idx = st.select_slider("Sample", list(range(len(samples))), value=0, key="sample",
                               format_func=lambda i: f"{i}: {samples[i].cls}",
                               help="10 test images per class, shipped in pretrained/samples/")
        image, image_key = samples[idx].image, f"sample:{idx}"
        notes = [f"test image #{samples[idx].test_index}, true class {samples[idx].cls}"]
    if image is None:
        return
    ref = None  # the unsplit model's top-5 for this image: what the split model is compared with
    if reference is not None:
        try:
            ref = named(reference_top(bb, ds, image_key, image, reference))
        except Exception as e:  # never a traceback on the page
            st.error(f"The unsplit model failed on this image ({type(e).__name__}: {e}).")
    if multi is None:  # only the unsplit reference is shipped
        if ref is None:
            return
        c1, c3 = st.columns([1, 4])
        c1.image(image, caption="input (32x32)", width=160)
        c1.caption("; ".join(notes))
        with c3:
            plotly_chart(plots.top5_figure({"unsplit model": ref}), key="top5", config=plots.LIVE_CHART_CONFIG)
        st.markdown(f"Prediction of the unsplit {bb}: **{ref[0][0]}** ({ref[0][1]:.2f}).")
        return
    st.session_state.setdefault("noise_seed", 0)
    if st.button("Re-draw the noise", key="redraw", help="A new noise realization for the same image and setting."):
        st.session_state.noise_seed += 1
    seed = st.session_state.noise_seed
    try:
        res = live_run(bb, ds, sp, image_key, kk, s, ch, seed, image, multi)
    except Exception as e:  # never a traceback on the page
        st.error(f"The live run failed ({type(e).__name__}: {e}).")
        return
    c1, c2, c3 = st.columns([1, 2, 2])
    c1.image(image, caption="input (32x32)", width=160)
    c1.caption("; ".join(notes))
    with c2:
        plotly_chart(plots.vector_figure(res.sent, res.received), key="vec", config=plots.LIVE_CHART_CONFIG)
    clean, noisy = named(res.top("clean")), named(res.top("noisy"))
    bars = ({"unsplit model": ref} if ref else {}) | {"noiseless channel": clean, "noisy channel": noisy}
    with c3:
        plotly_chart(plots.top5_figure(bars), key="top5", config=plots.LIVE_CHART_CONFIG)
    verdict = ("**changed** by the noise" if res.changed else "unchanged by the noise")
    reference_note = f" The unsplit {bb} says **{ref[0][0]}** ({ref[0][1]:.2f})." if ref else ""
    st.markdown(f"Prediction: noiseless **{clean[0][0]}** ({clean[0][1]:.2f}) → noisy **{noisy[0][0]}** "
                f"({noisy[0][1]:.2f}): {verdict}. {res.k} numbers sent, {s:g} dB {ch}, noise seed {seed}."
                + reference_note)


live_panel(backbone, dataset, split, k_model, snr, channel)
