import math

import pandas as pd
import streamlit as st

from semcom_core.costs import compute as C
from semcom_core.nets.split import K_CHOICES
from ui import plots
from ui.nav import ensure_navigation
from ui.state import QueryState

ensure_navigation()

st.title("Split costs")
st.caption("Paper 000, Table II and Fig. 5: what each side computes and stores, for every split point. "
           "These numbers need no trained weights: they are counted on the network structure.")

q = QueryState(st.query_params)

BACKBONES = ("resnet18", "resnet34")
side = st.sidebar
backbone = side.selectbox("Backbone", BACKBONES, key="backbone", index=BACKBONES.index(q.get("backbone", "resnet18", BACKBONES)),
                          help="CIFAR ResNet (3x3 stem, no max-pool).")
num_classes = side.selectbox("Classes", (10, 100), key="classes", index=(10, 100).index(q.get("classes", 10, (10, 100), int)),
                             help="10 for CIFAR-10, 100 for CIFAR-100 (the paper's Table II uses 100).")
split = side.selectbox("Split point", [f"SP-{i}" for i in range(7)], key="split",
                       index=int(q.get("split", "SP-2", [f"SP-{i}" for i in range(7)])[3]),
                       help="SP-0 sends the image, SP-6 the label; SP-1..SP-5 cut after conv1..conv5_x.")
k = side.select_slider("k (numbers sent)", K_CHOICES, key="k", value=q.get("k", 1024, K_CHOICES, int),
                       help="Size of the bottleneck vector z, real numbers.")
decompress = side.radio("Decompression stages", (1, 2), key="dec", index=(1, 2).index(q.get("dec", 2, (1, 2), int)),
                        horizontal=True, help="ConvTranspose2d stages at the receiver (the paper's Table II uses 2).")
log_gamma = side.slider("log10 γ", -5.0, 0.0, q.get("lg", -3.0, cast=float, lo=-5.0, hi=0.0), 0.1, key="lg",
                        help="γ = receiver time per FLOP / transmitter time per FLOP. Small γ: a fast server.")
gamma = 10 ** log_gamma
convention = side.radio("Counting convention", C.CONVENTIONS, key="conv", index=C.CONVENTIONS.index(
    q.get("conv", "true", C.CONVENTIONS)), horizontal=True,
    help="true: real MACs of every layer; paper: as paper 000's released code counts them.")
st.query_params.update({"backbone": backbone, "classes": str(num_classes), "split": split, "k": str(k),
                        "dec": str(decompress), "lg": f"{log_gamma:.1f}", "conv": convention})
for n in q.notices:
    st.warning(n + "; using the default.")

table = st.cache_data(C.cost_table)(backbone, num_classes, k, decompress)
cur = table[(table.split == split) & (table.convention == convention)].iloc[0]
m1, m2, m3, m4 = st.columns(4)
m1.metric("Transmitter MACs", f"{cur.tx_macs / 1e6:,.2f} M", help="multiply-accumulates per image on the transmitter")
m2.metric("Receiver MACs", f"{cur.rx_macs / 1e6:,.2f} M", help="multiply-accumulates per image on the receiver")
m3.metric("Normalized computation", f"{C.normalized_computation(cur.tx_macs, cur.rx_macs, cur.unsplit_macs, gamma):.3f}",
          help="(F_t + γ·F_r) / F_unsplit (paper 000, eq. 6)")
m4.metric("Normalized communication", f"{cur.normalized_communication:.4g}",
          help=f"{cur.z_elements} real numbers = {math.ceil(cur.z_elements / 2)} complex channel uses, "
               "relative to the 3x32x32 image")

st.caption(f"{split} ({convention} convention, k = {int(cur.k)}): the transmitter does {cur['tx_share_%']:.1f} % of "
           f"the MACs and holds {cur['tx_params_%']:.1f} % of the parameters; the receiver "
           f"{cur['rx_share_%']:.1f} % and {cur['rx_params_%']:.1f} %.")
sub = table[table.convention == convention]
st.plotly_chart(plots.normalized_computation_figure(sub, gamma, split), width="stretch")
st.plotly_chart(plots.macs_split_figure(sub, split), width="stretch")

st.subheader("Seconds, not FLOPs")
c1, c2, c3, c4 = st.columns(4)
tx_dev = c1.selectbox("Transmitter", list(C.DEVICE_PRESETS), key="tx_dev", index=0, help="Peak FP32 FLOP/s of the edge device.")
rx_dev = c2.selectbox("Receiver", list(C.DEVICE_PRESETS), key="rx_dev", index=len(C.DEVICE_PRESETS) - 1,
                      help="Peak FP32 FLOP/s of the server.")
link = c3.selectbox("Link", list(C.LINK_PRESETS), key="link", index=1, help="Nominal uplink rate.")
bits = c4.selectbox("Bits per number", (8, 16, 32), key="bits", index=2, help="Quantization of each element of z on the link.")
parts = pd.DataFrame([{"split": r.split, **vars(C.latency(r.tx_macs, r.rx_macs, r.z_elements, C.DEVICE_PRESETS[tx_dev],
                                                       C.DEVICE_PRESETS[rx_dev], C.LINK_PRESETS[link], bits))}
                      for r in sub.itertuples()])
parts["total_s"] = parts.tx_compute_s + parts.air_s + parts.rx_compute_s
best = parts.loc[parts.total_s.idxmin()]
st.write(f"Fastest split with these presets: **{best.split}** ({best.total_s * 1e3:,.2f} ms per image). "
         "Latency model: T = α_t·F_t + α_r·F_r + S(z)/R (paper 000, eqs. 1-4), 2 FLOPs per MAC.")
st.plotly_chart(plots.latency_figure(parts, split), width="stretch")

st.subheader("Table II: per-side costs in both conventions")
st.info(C.CONVENTION_NOTES["difference"])
st.dataframe(table, hide_index=True)
st.download_button("Download the cost table (CSV)", table.to_csv(index=False), f"costs_{backbone}_k{k}.csv",
                   "text/csv")
