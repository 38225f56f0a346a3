import math

import numpy as np
import pandas as pd
import streamlit as st

from semcom_core.costs import compute as C
from semcom_core.data.images import to_model_image
from semcom_core.data.registry import DatasetError, get_spec
from semcom_core.data.samples import load_samples
from semcom_core.eval import live as L
from semcom_core.eval import readings as R
from semcom_core.eval.split import evaluate, load_split, load_unsplit
from semcom_core.eval.stats import accuracy_interval
from semcom_core.nets.split import K_CHOICES
from semcom_core.zoo import tables as T
from semcom_ui import plots
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
split = side.selectbox("Split point", SPLITS, index=SPLITS.index(q.get("split", X.DEFAULT_SPLIT if X.DEFAULT_SPLIT in SPLITS else SPLITS[1],
                                                                        SPLITS)), key="split",
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
snr = side.slider("SNR (dB)", -10.0, 30.0, q.get("snr", 5.0, cast=float, lo=-10.0, hi=30.0), 0.5, key="snr",
                  help="Signal-to-noise ratio per real number sent. The tables are measured at -5, 0, 3, 5, 10 and 20 dB; "
                       "in between the page interpolates and says so.")
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
                            key="txd", help="Peak FP32 FLOP/s of the edge device (sources in semcom_core/costs.py).")
    rx_dev = side.selectbox("Receiver device", devices, index=devices.index(q.get("rxd", devices[-1], devices)),
                            key="rxd", help="Peak FP32 FLOP/s of the server.")
    link = side.selectbox("Link", links, index=links.index(q.get("link", links[1], links)), key="link",
                          help="Nominal uplink rate.")
    bits = side.selectbox("Bits per number", (8, 16, 32), index=(8, 16, 32).index(q.get("bits", 32, (8, 16, 32), int)),
                          key="bits", help="Quantization of each element of z on the link.")
state = {"ds": dataset, "bb": backbone, "split": split, "k": str(k), "ch": channel, "snr": f"{snr:g}",
         "lg": f"{log_gamma:.1f}", "target": f"{target:.2f}", "sec": "1" if seconds else "0"}
if seconds:
    state.update({"txd": tx_dev, "rxd": rx_dev, "link": link, "bits": str(bits)})
st.query_params.from_dict(state)
for n in q.notices:
    st.warning(n + "; using the default.")


@st.cache_data(show_spinner=False)
def cost_table(bb: str, classes: int, kk: int) -> pd.DataFrame:
    return C.cost_table(bb, classes, kk, 2)


@st.cache_data(show_spinner=False)
def sweep_table(bb: str, ds: str) -> pd.DataFrame:
    return T.load_sweep(bb, ds)


@st.cache_resource(show_spinner="loading the split model")
def split_model(bb: str, ds: str):
    return load_split(bb, ds)


@st.cache_resource(show_spinner="loading the unsplit model")
def unsplit_model(bb: str, ds: str):
    return load_unsplit(bb, ds)[0]


@st.cache_data(show_spinner=False)
def measure(bb, ds, sp, kk, s, ch, n, _progress=None) -> dict:
    return evaluate(ds, bb, sp, kk, s, ch, n, seed=0, progress=_progress)


costs = cost_table(backbone, spec.num_classes, k)
cur = costs[(costs.split == split) & (costs.convention == "true")].iloc[0]
try:
    table = T.channel_table(sweep_table(backbone, dataset), channel, backbone)  # this channel's rows
    table_error = None
except DatasetError as e:
    table, table_error = None, str(e)
try:
    multi, card = split_model(backbone, dataset)
    model_error = None
except DatasetError as e:
    multi, card, model_error = None, None, str(e)
k_max = multi.k_max if multi is not None else None
k_model, k_warning = X.k_for_model(k_sent, fixed, k_max)
if k_warning:
    st.warning(f"{backbone}: {k_warning}.")
unsplit_acc = T.unsplit_accuracy(backbone, dataset)  # the reference every split is compared with (its card)

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

if multi is not None:
    with st.expander("Measure now: evaluate exactly this setting on test images"):
        c1, c2 = st.columns([2, 1])
        n_eval = c1.select_slider("Test images", (100, 500, 1000, 2000, 5000, 10000), value=1000, key="n_eval",
                                  help="The first n images of the test set; noise seed 0.")
        if c2.button("Measure now", key="measure"):
            bar = st.progress(0.0, text="transmitter, channel, receiver ...")
            try:
                r = measure(backbone, dataset, split, k_model, snr, channel, n_eval, _progress=lambda f: bar.progress(f))
                bar.progress(1.0, text="done")
                st.session_state.setdefault("measured", {})[(backbone, split, k_model, snr, channel)] = r
            except (DatasetError, ValueError) as e:
                st.error(str(e))
        r = st.session_state.get("measured", {}).get((backbone, split, k_model, snr, channel))
        if r:
            lo, hi = accuracy_interval(r["accuracy"], r["n"])
            st.success(f"Measured: **{100 * r['accuracy']:.2f} %** on {r['n']} test images (95 % interval "
                       f"{100 * lo:.1f}-{100 * hi:.1f} %; {split}, k = {r.get('k', k_model)}, {snr:g} dB, {channel}, "
                       f"seed {r['seed']}).")

# ---------------------------------------------------------------- the network and the cut
codec = C.codec_costs(C.split_costs(backbone, spec.num_classes, split, k_sent), stages, cut)
st.plotly_chart(plots.network_diagram_figure(list(stages), cut, k_sent, split, codec), width="stretch", key="diagram")

tabs = st.tabs(["Accuracy (Fig. 3)", "Computation (Fig. 5)", "Communication (Fig. 6)", "Latency", "Costs (Table II)"])
with tabs[0]:
    if table is None:
        st.info(table_error)
    else:
        rows = R.rows_for(table, split, k_model, channel)
        by_k = table[table.split == split]
        if by_k.k.nunique() > 1:
            st.plotly_chart(plots.accuracy_vs_k_figure(by_k, k_model, snr, unsplit_acc), width="stretch", key="acc_k")
        else:
            st.caption(f"{split} sends a fixed {int(by_k.k.iloc[0])} numbers: accuracy does not depend on k.")
        st.plotly_chart(plots.accuracy_vs_snr_figure(by_k if by_k.k.nunique() > 1 else rows, k_model, snr,
                                                     reading.accuracy if reading else None), width="stretch", key="acc_snr")
        snrs = sorted(table.snr_db.unique())
        near = min(snrs, key=lambda s: abs(s - snr))
        st.plotly_chart(plots.accuracy_heatmap_figure(table[table.snr_db == near],
                                                      split, k_model, near), width="stretch", key="heat")
        st.download_button("Download the accuracy table (CSV)", table.to_csv(index=False),
                           f"accuracy_{backbone}_{dataset}_{channel}.csv", "text/csv", key="dl_acc")
        bad = R.monotonicity_report(table)
        if len(bad):
            with st.expander(f"{len(bad)} places where accuracy falls as k or SNR grows (beyond sampling noise)"):
                st.dataframe(bad, hide_index=True)
with tabs[1]:
    sub = costs[costs.convention == "true"]
    st.plotly_chart(plots.normalized_computation_figure(sub, gamma, split), width="stretch", key="fig5")
    st.download_button("Download (CSV)", sub.to_csv(index=False), f"computation_{backbone}_k{k}.csv", "text/csv",
                       key="dl_comp")
with tabs[2]:
    if table is None:
        st.info(table_error)
    else:
        mk = R.min_k_for_target(table, target, channel, math.prod(spec.image_shape))
        shannon = X.shannon_curve(spec.num_classes, math.prod(spec.image_shape), np.linspace(-10, 30, 81))
        st.plotly_chart(plots.min_communication_figure(mk, target, snr, split, shannon), width="stretch", key="fig6")
        st.caption("Shannon bound: the fewest complex channel uses that could carry the label, log2(classes) / "
                   "log2(1 + SNR), counted as 2 real numbers each. Missing points: no k reaches the target there.")
        st.download_button("Download (CSV)", mk.to_csv(index=False), f"min_k_{backbone}_{target:.2f}.csv", "text/csv",
                           key="dl_fig6")
with tabs[3]:
    td = tx_dev or devices[0]
    rd = rx_dev or devices[-1]
    lk = link or links[1]
    parts = C.latency_table(costs[costs.convention == "true"], C.DEVICE_PRESETS[td], C.DEVICE_PRESETS[rd],
                            C.LINK_PRESETS[lk], bits)
    st.caption(f"{td} → {lk} → {rd}, {bits} bits per number" + ("" if seconds else " (turn on 'Think in seconds' to choose)"))
    st.plotly_chart(plots.latency_figure(parts, split), width="stretch", key="lat")
    st.download_button("Download (CSV)", parts.to_csv(index=False), f"latency_{backbone}.csv", "text/csv", key="dl_lat")
with tabs[4]:
    st.info(C.CONVENTION_NOTES["difference"])
    st.dataframe(costs, hide_index=True)
    st.download_button("Download (CSV)", costs.to_csv(index=False), f"costs_{backbone}_k{k}.csv", "text/csv",
                       key="dl_costs")

# ---------------------------------------------------------------- live inference
st.subheader("Live: one image through the split model")
if card and "backbone_from" in card:  # the split model runs on the shipped backbone itself (sha256-checked)
    reference = multi.backbone
else:
    try:
        reference = unsplit_model(backbone, dataset)
    except DatasetError:
        reference = None
if multi is None:
    st.info(f"Live inference needs the trained split model: {model_error}" +
            (f"\n\nMeanwhile the unsplit {backbone} (no cut, no channel) classifies the image below."
             if reference is not None else ""))
    if reference is None:
        st.stop()
samples, meta = load_samples(dataset)
classes = meta.get("classes") or [str(i) for i in range(spec.num_classes)]


def named(top: list[tuple[int, float]]) -> list[tuple[str, float]]:
    return [(classes[i], p) for i, p in top]


src = st.radio("Image", ("shipped sample", "upload"), horizontal=True, key="src",
               help="A CIFAR-10 test image shipped with the app, or your own picture.")
image, notes = None, []
if src == "upload":
    up = st.file_uploader("An image (any common format, any size)", type=None, key="upload",
                          help="Decoded with Pillow only; converted to 32x32 RGB (the note says what was done).")
    if up is not None:
        try:
            image, notes = to_model_image(up.getvalue(), spec.image_shape[:2], spec.image_shape[2])
        except ValueError as e:
            st.error(f"Could not use this file: {e}")
elif samples:
    idx = st.select_slider("Sample", list(range(len(samples))), value=0, key="sample",
                           format_func=lambda i: f"{i}: {samples[i].cls}",
                           help="10 test images per class, shipped in pretrained/samples/")
    image = samples[idx].image
    notes = [f"test image #{samples[idx].test_index}, true class {samples[idx].cls}"]
ref = None  # the unsplit model's top-5 for this image: what the split model is compared with
if image is not None and reference is not None:
    try:
        ref = named(L.top_classes(L.unsplit_probs(reference, image, dataset)))
    except Exception as e:  # never a traceback on the page
        st.error(f"The unsplit model failed on this image ({type(e).__name__}: {e}).")
if image is not None and multi is None and ref is not None:  # only the unsplit reference is shipped
    c1, c3 = st.columns([1, 4])
    c1.image(image, caption="input (32x32)", width=160)
    c1.caption("; ".join(notes))
    c3.plotly_chart(plots.top5_figure({"unsplit model": ref}), width="stretch", key="top5")
    st.markdown(f"Prediction of the unsplit {backbone}: **{ref[0][0]}** ({ref[0][1]:.2f}).")
elif image is not None and multi is not None:
    st.session_state.setdefault("noise_seed", 0)
    if st.button("Re-draw the noise", key="redraw", help="A new noise realization for the same image and setting."):
        st.session_state.noise_seed += 1
    seed = st.session_state.noise_seed
    try:
        res = L.live_split(multi, split, image, dataset, k_model, snr, channel, seed)
    except Exception as e:  # never a traceback on the page
        st.error(f"The live run failed ({type(e).__name__}: {e}).")
        st.stop()
    c1, c2, c3 = st.columns([1, 2, 2])
    c1.image(image, caption="input (32x32)", width=160)
    c1.caption("; ".join(notes))
    c2.plotly_chart(plots.vector_figure(res.sent, res.received), width="stretch", key="vec")
    clean, noisy = named(res.top("clean")), named(res.top("noisy"))
    bars = ({"unsplit model": ref} if ref else {}) | {"noiseless channel": clean, "noisy channel": noisy}
    c3.plotly_chart(plots.top5_figure(bars), width="stretch", key="top5")
    verdict = ("**changed** by the noise" if res.changed else "unchanged by the noise")
    reference_note = f" The unsplit {backbone} says **{ref[0][0]}** ({ref[0][1]:.2f})." if ref else ""
    st.markdown(f"Prediction: noiseless **{clean[0][0]}** ({clean[0][1]:.2f}) → noisy **{noisy[0][0]}** "
                f"({noisy[0][1]:.2f}): {verdict}. {res.k} numbers sent, {snr:g} dB {channel}, noise seed {seed}."
                + reference_note)
