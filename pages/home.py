import pandas as pd
import streamlit as st

from semcom_core.channels import CONVENTIONS as CHANNEL_CONVENTIONS
from semcom_core.costs.compute import CONVENTION_NOTES
from semcom_core.zoo.status import status
from semcom_ui.nav import ensure_navigation
from semcom_ui.state import QueryState

ensure_navigation()

st.title("semcom-explorer")
for n in QueryState(st.query_params).notices:  # Home has no settings: a parameter in its URL is a mistake
    st.warning(n + ".")
st.markdown(
    "See, not just read, how **split inference** and **task-oriented (semantic) communication** trade "
    "accuracy against computation and communication. A ResNet is cut in two: the transmitter (an edge "
    "device) runs the first part and sends **k numbers** over a noisy channel; the receiver (a server) "
    "runs the rest. Where to cut, how many numbers to send, how noisy the channel is and how much faster "
    "the receiver is (γ) decide accuracy, compute and air time.")

st.subheader("Pages")
st.markdown(
    "- **Split explorer**: pick backbone, split point, k, channel, SNR, γ, a target accuracy and a transmitter "
    "budget B; see "
    "accuracy (from measured tables), normalized computation and communication, latency, the network with "
    "its cut, paper 000's Figs. 3, 5 and 6 and Table II, and classify a sample image or your own upload "
    "through the noisy channel, live.\n"
    "- **Split costs**: per-side multiply-accumulates and parameters for every split point "
    "(paper 000's Table II, in both counting conventions), normalized computation against the hardware "
    "ratio γ (Fig. 5) and end-to-end latency with device and link presets.\n"
    "- **Planner** (paper 002): the inverse question. Given a device, an edge server, a link and constraints "
    "(accuracy, latency, device compute, energy), which split point and k, with the measured accuracy, the "
    "latency split into device / air / edge, the Pareto fronts and the all-on-device and all-on-edge baselines.\n"
    "- **IoT: learned vs separation**: paper 003 measured. A learned transceiver sending 16 complex symbols "
    "against JPEG + rate-1/2 LDPC + QPSK, accuracy vs SNR over AWGN and Rayleigh fading on MNIST and "
    "Fashion-MNIST, and one image (a shipped sample or your upload) through both systems.\n"
    "- **Budgeted TOC** (paper 001): a transmitter with a compute budget B sends 16 numbers; static encoders "
    "against a multi-exit encoder that leaves early on easy images, with the budget maths, per-exit costs and "
    "the measured accuracy of the shipped models.")
st.caption("Sources: paper 000 (split ResNets over AWGN), 001 (task-oriented communication under a compute "
           "budget), 002 (survey: which split is best), 003 (learned IoT transceiver vs JPEG+LDPC+QPSK).")

st.subheader("Status")
s = status()
c1, c2, c3 = st.columns(3)
c1.metric("Datasets prepared", len([d for d in s["datasets"] if "error" not in d]))
c2.metric("Trained models shipped", len([m for m in s["models"] if "error" not in m]))
c3.metric("Sample images shipped", sum(s["samples"].values()))
st.write(f"**Compute device:** {s['device']}")
if s["datasets"]:
    st.dataframe(pd.DataFrame([{k: d.get(k) for k in ("name", "train", "test", "provenance", "error")}
                               for d in s["datasets"]]), hide_index=True)
else:
    st.info("No dataset prepared yet. Run `python -m semcom_core data prepare cifar10 mnist fashion-mnist` "
            "(reads ../shared/datasets or a folder you pass with --source).")
if s["models"]:
    cols = ["name", "kind", "dataset", "test_accuracy", "epochs", "wall_seconds", "size_mb", "error"]
    st.dataframe(pd.DataFrame([{c: m.get(c) for c in cols} for m in s["models"]]), hide_index=True)
else:
    st.info("No trained model is shipped in pretrained/ yet; the Split costs page needs no weights.")

if s["tables"]:
    st.write("**Accuracy tables shipped** (the Split explorer's charts read these):")
    st.dataframe(pd.DataFrame(s["tables"]), hide_index=True)
else:
    st.info("No accuracy table is shipped yet: `scripts/build_zoo.sh resnet18` trains the split models and measures one.")

with st.expander("Conventions used everywhere in this app"):
    st.markdown(f"- {CONVENTION_NOTES['units']}\n- {CONVENTION_NOTES['paper']}\n- {CONVENTION_NOTES['true']}\n"
                f"- {CONVENTION_NOTES['difference']}\n- Channel: {CHANNEL_CONVENTIONS}")
