"""The split explorer's choices and notes, free of Streamlit: which backbones it offers and opens
on, and what it says of the trained model behind a split."""
from __future__ import annotations

from dataclasses import dataclass

from semcom_core.zoo.tables import has_split_model, sweep_path

PAPER_BACKBONES = ("resnet18", "resnet34")  # paper 000's models (the zoo)
DEMO_BACKBONES = ("resnet20",)  # a small model trained quickly, for demos before the zoo lands
EXPLORER_CHANNELS = ("awgn", "rayleigh")  # table channels the explorer offers (names of channels.CHANNELS)
PAPER_EPOCHS = 100  # paper 000 trains each split point end to end this long


def default_backbone(backbones: tuple[str, ...], dataset: str) -> str:
    """What the page opens on: the first backbone with a shipped accuracy table, else the first with a
    shipped split model (live inference works, the table is still being measured), else the first."""
    for has in (lambda b: sweep_path(b, dataset).is_file(), lambda b: has_split_model(b, dataset)):
        found = next((b for b in backbones if has(b)), None)
        if found:
            return found
    return backbones[0]


@dataclass(frozen=True)
class TrainingNote:
    text: str
    far_below: bool  # the split's best accuracy is far below the unsplit model's: say why, prominently


def training_note(card: dict, split: str, k_max: int, unsplit_acc: float | None, far: float = 0.05
                  ) -> TrainingNote | None:
    """What the page says of the trained model behind a split's accuracies, from its model card: the
    training budget, and the split's accuracy over a noiseless channel with all k_max numbers (its ceiling)
    against the unsplit model's. More than `far` below it, the note flags the gap and, for a run shorter than
    paper 000's PAPER_EPOCHS, says it is the training budget's, so that a split near chance reads as an
    under-trained codec, not as a broken page. None when the card
    has no measurement for this split (SP-0 and the label have no codec)."""
    acc = (card.get("split_test_accuracy") or {}).get(split)
    if acc is None:
        return None
    own = (card.get("split_training") or {}).get(split)  # this split retrained in a run of its own
    src = own or card
    epochs = src.get("epochs_total", src.get("epochs"))
    secs = src.get("wall_seconds_total", src.get("wall_seconds"))
    budget = ", ".join(p for p in (f"{epochs} epochs" if epochs else "",
                                   f"{secs / 3600:.1f} h" if secs else "",
                                   ", ".join(str(src.get("device", "")).split(", ")[:2])) if p)
    if own and own.get("end_to_end"):
        how = (f"The {split} model (every stage fine-tuned end to end from the unsplit backbone, with distillation "
               f"from it) was trained for {budget or 'an unrecorded budget'}")
    elif own:
        how = f"The {split} codec was retrained for {budget or 'an unrecorded budget'}"
    else:
        how = (f"The {split} codec of `{card.get('name', 'this model')}` (the backbone frozen) was trained for "
               f"{budget or 'an unrecorded budget'}")
    text = f"{how}. Over a noiseless channel with all {k_max} numbers it reaches {100 * acc:.2f} %"
    gap = unsplit_acc is not None and acc < unsplit_acc - far
    text += f", the unsplit model {100 * unsplit_acc:.2f} %." if unsplit_acc is not None else "."
    if gap:
        text += " That ceiling is far below the unsplit model's" + (
            f" because of a short training budget ({epochs} epochs; paper 000 trains each split end to end "
            f"for {PAPER_EPOCHS}): this split shows the shape of the trade-off, not its level. docs/compute.md has "
            "the numbers and the GPU recipe." if epochs and epochs < PAPER_EPOCHS else ".")
    return TrainingNote(text, gap)
