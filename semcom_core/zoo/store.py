"""The shipped model zoo: export a finished training run into `pretrained/` as safetensors plus a
model card (JSON next to the weights), list what is shipped, and load a shipped model safely."""
from __future__ import annotations

import hashlib
import json
import platform
import time
from pathlib import Path
from typing import Callable

import torch
from safetensors import safe_open
from safetensors.torch import load_file, save_file
from torch import nn

from semcom_core import paths
from semcom_core.config import TrainConfig
from semcom_core.data.registry import DatasetError, get_spec
from semcom_core.nets.factory import build_model
from semcom_core.nets.multisplit import split_key
from semcom_core.nets.resnet import build_backbone
from semcom_core.zoo.storage import compact, expand, stored_dtype


def load_init_weights(path: str | Path) -> dict[str, torch.Tensor]:
    """The float32 tensors of a config's `init_from` file; if it is missing, a clear error naming
    the command that makes it (configs start from shipped models: train and export those first)."""
    path = Path(path)
    if not path.is_file():
        raise DatasetError(f"{path} (the config's init_from) is missing: {how_to_make(path.stem)}")
    return expand(load_file(str(path)))


def how_to_make(name: str) -> str:
    """The commands that train and ship the model `name`, if a config of that name exists."""
    if not (paths.REPO_ROOT / "configs" / f"{name}.toml").is_file():
        return "`python -m semcom_core zoo list` shows what is shipped"
    if name.startswith("toc_"):  # paper 001's TOC models train and ship with their own commands
        return (f"train it with `python -m semcom_core toc train configs/{name}.toml`, then ship it with "
                f"`python -m semcom_core toc export runs/{name}`")
    return (f"train it with `python -m semcom_core train configs/{name}.toml`, then ship it with "
            f"`python -m semcom_core zoo export runs/{name} --name {name} --command ... --measure` "
            f"(scripts/build_zoo.sh does both)")


def sha256_file(path: Path) -> str:
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


RENAMED_CONFIG_KEYS = {"freeze_transmitter_backbone": "freeze_backbone"}


def config_from_card(card: dict) -> TrainConfig:
    from dataclasses import fields
    known = {f.name for f in fields(TrainConfig)}
    cfg = {RENAMED_CONFIG_KEYS.get(k, k): v for k, v in card["config"].items()}
    cfg = {k: v for k, v in cfg.items() if k in known}
    if "snr_db_range" in cfg:
        cfg["snr_db_range"] = tuple(cfg["snr_db_range"])
    return TrainConfig(**cfg)


def build_from_card(card: dict) -> nn.Module:
    if card.get("kind") == "toc":  # paper 001's TOC models: the card's config is a toc.train.TOCConfig's dict
        from semcom_core.nets.toc import build_toc_model
        spec = get_spec(card["config"]["dataset"])
        return build_toc_model(card["config"]["model"], spec.num_classes, spec.image_shape[2])
    cfg = config_from_card(card)
    cfg.init_from = ""  # the shipped file (and `backbone_from`) hold every weight; nothing else is read
    spec = get_spec(cfg.dataset)
    return build_model(cfg, spec.num_classes, spec.image_shape[2])


def card_path(name: str) -> Path:
    hits = sorted(paths.pretrained_dir().rglob(f"{name}.json"))
    if not hits:
        raise DatasetError(f"no shipped model named {name!r} in {paths.pretrained_dir()}; {how_to_make(name)}")
    return hits[0]


def read_card(name: str) -> dict:
    """The model card of the shipped artifact `name`; DatasetError naming the command if absent."""
    return json.loads(card_path(name).read_text())


def shipped_card(name: str) -> dict:
    """The model card of `name`, or {} if it is not shipped."""
    try:
        return read_card(name)
    except DatasetError:
        return {}


DAMAGED = ("restore it (`git checkout -- pretrained/`, or a fresh clone) or re-export it with "
           "`python -m semcom_core zoo export`")


def _read_card(card_file: Path) -> dict:
    try:
        card = json.loads(card_file.read_text())
    except ValueError as e:
        raise DatasetError(f"the model card {card_file} is damaged ({e}): {DAMAGED}") from None
    if not isinstance(card, dict):
        raise DatasetError(f"the model card {card_file} is damaged (not a JSON object): {DAMAGED}")
    return card


def _read_weights(weights: Path) -> dict[str, torch.Tensor]:
    """The float32 tensors of a shipped file; a file that cannot be read (truncated, not safetensors) is a
    DatasetError naming it, not a traceback."""
    try:
        return expand(load_file(str(weights)))
    except Exception as e:  # SafetensorError (a plain Exception), OSError, KeyError from expand
        raise DatasetError(f"{weights} cannot be read ({type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''})"
                           f": the file is damaged; {DAMAGED}") from None


def load_shipped(name: str, device: torch.device | str = "cpu") -> tuple[nn.Module, dict]:
    """Build the model from its card and load the shipped safetensors (no pickle involved). A missing,
    damaged or mismatched file is a DatasetError saying which file and what to do."""
    card_file = card_path(name)
    card = _read_card(card_file)
    weights = card_file.with_suffix(".safetensors")
    if not weights.is_file():
        raise DatasetError(f"{weights} is missing; re-export it with `python -m semcom_core zoo export`")
    model = build_from_card(card)
    state = _read_weights(weights)
    if "backbone_from" in card:  # a split model stored without the (frozen) backbone it shares
        ref = card["backbone_from"]
        ref_path = card_path(ref["name"])
        ref_card, ref_file = _read_card(ref_path), ref_path.with_suffix(".safetensors")
        if ref_card.get("sha256") != ref["sha256"] or not ref_file.is_file() or sha256_file(ref_file) != ref["sha256"]:
            raise DatasetError(backbone_moved_message(name, ref, reads_backbone(card)))
        state.update({f"backbone.{k}": v for k, v in _read_weights(ref_file).items()})
    try:
        model.load_state_dict(state)
    except RuntimeError as e:  # missing/unexpected keys or shapes: the file is not the model its card describes
        raise DatasetError(f"{weights} does not match its card {card_file.name} "
                           f"({str(e).splitlines()[0]}): {DAMAGED}") from None
    return model.to(device).eval(), card


def _backbone_of(cfg: dict) -> nn.Module:
    spec = get_spec(cfg["dataset"])
    return build_backbone(cfg["backbone"], spec.num_classes, spec.image_shape[2])


def whole_network(cfg: dict) -> set[str]:
    """Every stage of a split model's backbone, and its head: a split point whose own trained copies
    (`adapt`) cover these is a whole network of its own (trained end to end)."""
    return set(_backbone_of(cfg).stage_names) | {"head"}


def served_splits(cfg: dict) -> list[str]:
    """The split points a split config trains (or a split model's card serves): its `splits`, or, none
    listed, every feature split (as MultiSplitModel reads it)."""
    from semcom_core.nets.split import split_points
    return list(cfg.get("splits") or split_points(_backbone_of(cfg))[1:-1])


def reads_backbone(card: dict) -> list[str]:
    """The split points of a split model's card that run stages of its shared backbone: those whose
    own trained copies (`adapt`) do not cover the whole network."""
    cfg = card.get("config") or {}
    whole, adapt = whole_network(cfg), cfg.get("adapt") or {}
    return [s for s in served_splits(cfg) if not set(adapt.get(s) or []) >= whole]


def backbone_part(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """The shared backbone's tensors in a split model's state (their `backbone.` prefix removed)."""
    return {k.removeprefix("backbone."): v for k, v in state.items() if k.startswith("backbone.")}


def backbone_users(name: str) -> dict[str, list[str]]:
    """The shipped split models whose shared backbone is the artifact `name` (their card's
    `backbone_from`), each with its split points that read it."""
    users = {}
    for card_file in sorted(paths.pretrained_dir().rglob("*.json")):
        try:
            card = json.loads(card_file.read_text())
        except (OSError, ValueError):
            continue
        if isinstance(card, dict) and (card.get("backbone_from") or {}).get("name") == name:
            users[card_file.stem] = reads_backbone(card)
    return users


def backbone_moved_message(name: str, ref: dict, reads: list[str]) -> str:
    """What to do when the shipped backbone artifact a split model points to is not the one it was
    exported against (until then the split model cannot be loaded, not even its end-to-end split points)."""
    head = (f"{name} was exported against backbone {ref['name']} with sha256 {ref['sha256'][:12]}..., "
            "which is not the shipped one, so it cannot be loaded")
    if not reads:
        return f"{head}; none of its split points reads it: `python -m semcom_core zoo merge {name}` points it to the shipped one"
    return (f"{head}; its split points {', '.join(reads)} read it: train them on the shipped backbone and "
            f"`python -m semcom_core zoo merge {name} RUN...` (or bring back the file it was exported against, e.g. from git)")


def _same_tensors(a: dict[str, torch.Tensor], b: dict[str, torch.Tensor]) -> bool:
    return set(a) == set(b) and all(torch.equal(a[k].float(), b[k].float()) for k in a)


def _trained_on(run_backbone: dict[str, torch.Tensor], shared: dict[str, torch.Tensor], stored_as: str) -> bool:
    """Whether a split run's frozen backbone (float32) is `shared` (expanded), also when `shared` is a
    compact copy (`stored_as`) of the backbone the run was trained on (an embedded, re-stored backbone)."""
    return _same_tensors(run_backbone, shared) or (
        stored_as != "float32" and _same_tensors(expand(compact(run_backbone, stored_as)), shared))


def merged_into(run_name: str) -> tuple[str, list[str]] | None:
    """(shipped multi-split model, its split points) that `zoo merge` put a run of config `run_name` into,
    by the cards' `split_training` records; None if no shipped card says so. DatasetError if several do
    (ambiguous), or if none does and some card could not be read (it may be the one)."""
    found, unreadable = [], []
    for card_file in sorted(paths.pretrained_dir().rglob("*.json")):
        try:
            card = json.loads(card_file.read_text())
        except (OSError, ValueError):
            unreadable.append(card_file.name)
            continue
        trained = card.get("split_training") if isinstance(card, dict) else None
        if not isinstance(trained, dict):
            continue
        splits = [s for s, rec in trained.items()
                  if isinstance(rec, dict) and (rec.get("config") or {}).get("name") == run_name]
        if splits:
            found.append((card_file.stem, splits))
    if len(found) > 1:
        raise DatasetError(f"runs of {run_name} were merged into several shipped models "
                           f"({', '.join(f[0] for f in found)}); continue one of them explicitly")
    if not found and unreadable:
        raise DatasetError(f"no readable shipped card names a run of {run_name}; unreadable: {', '.join(unreadable)}")
    return found[0] if found else None


def _start_from_merged(model: nn.Module, name: str, merged: str, splits: list[str]) -> list[dict]:
    """Load into `model` (a split run's network) the split points `splits` that the shipped `merged`
    model holds as trained by a run of config `name`: their codecs and adapted stages. The backbone
    (frozen, and the distillation teacher) stays the one the config's `init_from` names."""
    card_file = card_path(merged)
    card = json.loads(card_file.read_text())
    prefixes = tuple(p for s in splits for p in (f"codecs.{split_key(s)}.", f"adapted.{split_key(s)}."))
    mine = {k for k in model.state_dict() if k.startswith(prefixes)}
    # only these splits' tensors (an int8 tensor's `::scale` shares its prefix): no whole model, no backbone
    with safe_open(str(card_file.with_suffix(".safetensors")), "pt") as f:  # reads these tensors alone
        theirs = expand({k: f.get_tensor(k) for k in f.keys() if k.startswith(prefixes)})
    missing, extra = sorted(mine - set(theirs)), sorted(set(theirs) - mine)
    if missing or extra or any(model.state_dict()[k].shape != v.shape for k, v in theirs.items()):
        first = (missing or extra or ["a tensor of another shape"])[0]
        raise DatasetError(f"the shipped {merged} ({', '.join(splits)}) does not fit this config ({first}); "
                           "continue only with the config it was trained with")
    model.load_state_dict(theirs, strict=False)
    if fresh := [s for s in getattr(model, "splits", []) if s not in splits]:  # trained by the run, not merged
        print(f"{', '.join(fresh)} of {name} {'is' if len(fresh) == 1 else 'are'} not in {merged} (only "
              f"{', '.join(splits)} of its run was merged): {'it starts' if len(fresh) == 1 else 'they start'} "
              "afresh from the config's init_from")
    rec = card["split_training"][splits[0]]  # one run trained all of `splits`: one record of it
    return list(rec.get("history", [])) + [{
        "merged_into": merged, "splits": list(splits), "sha256": card.get("sha256"),
        **{k: rec.get(k) for k in ("command", "epochs", "best_epoch", "best_val_acc", "wall_seconds", "machine",
                                   "device", "init_from", "schedule_changes") if k in rec},
        "exported_at": card.get("exported_at"),
        "test_accuracy": {s: card.get("split_test_accuracy", {}).get(s) for s in splits},
        **({"cutout": rec["config"]["cutout"]} if (rec.get("config") or {}).get("cutout") else {})}]


def start_from_shipped(model: nn.Module, name: str) -> list[dict]:
    """Load the shipped model `name` into `model`, so that training continues from it (a session may end
    and its run folder vanish, but a shipped file is in git); returns the training history the new card
    carries: the shipped card's own history plus one entry for the shipped card itself. A split run
    that `zoo merge` put into a multi-split model (no card of its own) continues from its split points
    there."""
    if not shipped_card(name) and (found := merged_into(name)):
        return _start_from_merged(model, name, *found)
    shipped, card = load_shipped(name)
    try:
        model.load_state_dict(shipped.state_dict())
    except RuntimeError as e:  # another split set, k_max or [adapt]: one clear line, not a traceback
        first = str(e).splitlines()[1].strip() if len(str(e).splitlines()) > 1 else str(e)
        raise DatasetError(f"the shipped {name} does not fit this config ({first}); "
                           "continue only with the config it was trained with") from e
    entry = {k: card.get(k) for k in ("sha256", "command", "epochs", "best_val_acc", "wall_seconds", "machine",
                                      "device", "exported_at", "test_accuracy")}
    if cut := (card.get("config") or {}).get("cutout"):  # its augmentation, when more than crop and flip
        entry["cutout"] = cut
    return list(card.get("history", [])) + [entry]


def shared_backbone(state: dict, cfg_d: dict) -> tuple[dict, dict | None]:
    """If a split model's backbone tensors equal a shipped backbone artifact's (it was frozen), drop
    them from `state` and return a reference to that artifact, so pretrained/ holds them once."""
    init = cfg_d.get("init_from") or ""
    if cfg_d.get("kind") != "split" or not init:
        return state, None
    ref_weights = paths.REPO_ROOT / init if not Path(init).is_absolute() else Path(init)
    ref_card = ref_weights.with_suffix(".json")
    if not (ref_weights.is_file() and ref_card.is_file()):
        return state, None
    ref = expand(load_file(str(ref_weights)))
    mine = backbone_part(state)
    if set(mine) != set(ref) or any(not torch.equal(expand({k: mine[k]})[k], ref[k]) for k in ref):
        return state, None
    rest = {k: v for k, v in state.items() if not k.startswith("backbone.")}
    return rest, {"name": json.loads(ref_card.read_text())["name"], "sha256": sha256_file(ref_weights)}


def export_run(run_dir: Path, name: str, subdir: str, command: str | None, dtype: str = "float32",
               measure: Callable[[nn.Module, TrainConfig], dict] | None = None, kind: str | None = None,
               keep_metadata: bool = False, replace_shared: bool = False) -> dict:
    """Copy a run's best weights into pretrained/<subdir>/<name>.safetensors, stored as `dtype`
    (`storage.DTYPES`), and write the model card; `measure` evaluates the *shipped file* and returns
    accuracy fields. `kind`: the card's kind when the run's config names none (a TOC run: "toc", whose
    `measure` is given the config as a dict). `keep_metadata`: the shipped file keeps the run file's
    safetensors metadata (a TOC file's validation split, which the dynamic model's thresholds are fitted on).
    `command`: how it was trained, for the card; None: the command lines the run kept (`run_command`).
    A shipped artifact that split models use as their shared backbone (`backbone_users`) is replaced by other
    weights only with `replace_shared`: those split models cannot be loaded until their split points that read
    it are trained on the new one and merged (`merge_split_runs` then points them to it). ValueError otherwise,
    nothing written."""
    run_dir = Path(run_dir)
    cfg_d = json.loads((run_dir / "config.json").read_text())
    summary = json.loads((run_dir / "summary.json").read_text())
    dest = paths.pretrained_dir() / subdir
    dest.mkdir(parents=True, exist_ok=True)
    weights = dest / f"{name}.safetensors"
    best = run_dir / "best.safetensors"
    state = compact(load_file(str(best)), dtype)
    users = {u: reads for u, reads in backbone_users(name).items() if u != name} if weights.is_file() else {}
    if users and not replace_shared and not _same_tensors(expand(state), expand(load_file(str(weights)))):
        raise ValueError(replacing_backbone_message(name, users))
    state, backbone_from = shared_backbone(state, cfg_d)
    metadata = {"name": name}
    if keep_metadata:
        from safetensors import safe_open
        with safe_open(str(best), "pt") as f:
            metadata = {**(f.metadata() or {}), "name": name}
    with paths.atomic_path(weights) as tmp:
        save_file(state, str(tmp), metadata=metadata)
    card = {"name": name, "kind": cfg_d.get("kind", kind), "dataset": cfg_d["dataset"],
            **_run_record(cfg_d, summary, command or run_command(summary, cfg_d)),
            "weights_dtype": dtype, "file": weights.name,
            "sha256": sha256_file(weights), "exported_at": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
    if backbone_from:
        card["backbone_from"] = backbone_from  # the file holds the codecs; the backbone is that artifact
    return _finish_card(card, weights.with_suffix(".json"), measure)


def replacing_backbone_message(name: str, users: dict[str, list[str]]) -> str:
    """Why `zoo export` will not replace the shared backbone `name` of the split models `users`, and how to proceed."""
    def one(user: str, reads: list[str]) -> str:
        if not reads:
            return (f"{user} (none of its split points reads it; it cannot be loaded until `zoo merge {user}` "
                    "points it to the new one)")
        return (f"{user}, whose {', '.join(reads)} read it ({user} cannot be loaded until they are trained on the "
                f"new one and merged: `zoo merge {user} RUN...`; or keep the present one inside it first: "
                f"`zoo merge {user} --embed-backbone`)")
    return (f"{name} is the shared backbone of " + "; ".join(one(u, r) for u, r in users.items())
            + ". --replace-shared exports it anyway")


def run_command(summary: dict, cfg_d: dict) -> str:
    """How a run was trained, from the command lines its summary kept (the first, then each resume with its
    options); a run that kept none (trained before they were kept): its config, options unknown."""
    cmds = summary.get("commands") or []
    if not cmds:
        return f"python -m semcom_core train {cfg_d.get('source_path', '')} (its options were not recorded)"
    return cmds[0] + "".join(f"; resumed with: {c}" for c in cmds[1:])


def _run_record(cfg_d: dict, summary: dict, command: str) -> dict:
    """What a card says of the run that trained a model: its config (and sha256), the command, epochs,
    validation accuracy, wall time, machine, and the file it started from (for a split model, its backbone)."""
    rec = {"config": cfg_d, "config_path": cfg_d.get("source_path", ""), "config_sha256": cfg_d.get("source_sha256", ""),
           "command": command, "epochs": summary["epochs_done"], "best_epoch": summary.get("best_epoch"),
           "best_val_acc": summary["best_val_acc"], "wall_seconds": round(summary["wall_seconds"], 1),
           "machine": summary.get("machine", platform.machine()), "device": summary.get("device", "")}
    if summary.get("schedule_changes"):  # continued with a longer (or shorter) cosine than it began with
        rec["schedule_changes"] = summary["schedule_changes"]
    if cfg_d.get("init_from"):
        rec["init_from"] = {"path": cfg_d["init_from"], "sha256": summary.get("init_from_sha256")}
    if summary.get("history"):  # continued from shipped weights (`--continue-shipped`): what trained them, oldest first
        rec["history"] = summary["history"]
        rec["epochs_total"] = rec["epochs"] + sum(h.get("epochs") or 0 for h in summary["history"])
        rec["wall_seconds_total"] = round(rec["wall_seconds"] + sum(h.get("wall_seconds") or 0
                                                                    for h in summary["history"]), 1)
    return rec


def _finish_card(card: dict, card_file: Path, measure) -> dict:
    """Write the card, load the shipped file back through it (what users will load), count its
    parameters and add what `measure` finds on it; the card is rewritten atomically each time."""
    paths.atomic_write_text(card_file, json.dumps(card, indent=2))
    model, _ = load_shipped(card["name"])
    card["parameters"] = sum(p.numel() for p in model.parameters())
    if measure is not None:
        card.update(measure(model, dict(card["config"]) if card.get("kind") == "toc" else config_from_card(card)))
    paths.atomic_write_text(card_file, json.dumps(card, indent=2))
    return card


def merge_split_runs(name: str, run_dirs: list[Path], dtype: str = "int8", commands: list[str] | None = None,
                     measure: Callable[[nn.Module, TrainConfig], dict] | None = None,
                     base_dtype: str | None = None, embed_backbone: bool = False,
                     restore: list[str] | tuple[str, ...] = (), allow_worse: bool = False,
                     only: list[str] | tuple[str, ...] = ()) -> dict:
    """Replace split points of the shipped multi-split model `name` by the ones trained in `run_dirs`
    (split runs, typically one split each with every stage its own trained copy: `adapt`), stored as
    `dtype`. Everything else stays byte for byte: the split points not retrained, and the shared backbone,
    which stays a reference to its artifact (sha256-checked on load) unless `embed_backbone` copies it
    into the file, so that the artifact may be replaced. The card records, per split point, what trained it (`split_training`).
    `measure(model, cfg)` is given the merged model and the splits to measure in `cfg.splits`.
    `base_dtype`: also re-store everything that is not merged (backbone, other splits) as this dtype; then
    no split is as it was, and every split point is measured again. `restore`: split points whose stored
    weights are re-stored as `dtype` (not retrained: the file shrinks, the numbers change a little), measured
    again like a merged split. A run of the config that trained the shipped split (e.g. a continuation) must
    beat its best validation accuracy (measured alike), unless `allow_worse`. `only`: merge just these split
    points of the runs (a run that trained several, of which some are not better than the shipped ones).
    A merged split point that reads the shared backbone (not trained end to end) must have been trained on
    the very backbone the model runs it on. If the shipped backbone artifact was replaced since the model was
    exported, every split point that reads it must be merged from runs trained on the new one; the model then
    points to the new one (`earlier_backbones` keeps the old reference)."""
    card_file = card_path(name)
    card = json.loads(card_file.read_text())
    weights = card_file.with_suffix(".safetensors")
    stored = load_file(str(weights))
    ref = card.pop("backbone_from", None) if (embed_backbone or base_dtype) else None
    if ref:  # embed the shared backbone, exactly as stored in its artifact (sha256-checked)
        ref_file = card_path(ref["name"]).with_suffix(".safetensors")
        if sha256_file(ref_file) != ref["sha256"]:
            raise DatasetError(backbone_moved_message(name, ref, reads_backbone(card))
                               + "; a backbone that is no longer shipped cannot be embedded")
        stored.update({f"backbone.{k}": v for k, v in load_file(str(ref_file)).items()})
        card["backbone_embedded_from"] = ref
    cfg = card["config"]
    whole = whole_network(cfg)
    # the shared backbone the split points that read it run on: the artifact the card points to, or the copy
    # in the file (as it was before any re-storing below: the backbone the runs were trained on)
    pointer = card.get("backbone_from")
    if pointer:
        shared_file = card_path(pointer["name"]).with_suffix(".safetensors")
        shared, shared_sha, shared_as = expand(load_file(str(shared_file))), sha256_file(shared_file), "float32"
        shared_where = f"the shipped {pointer['name']}"
    else:
        part = backbone_part(stored)
        shared, shared_as = expand(part), stored_dtype(part)
        shared_where = f"the one stored in {name}"
    if base_dtype is not None:
        stored = compact(expand(stored), base_dtype)
        card["base_weights_dtype"] = base_dtype
    trained = card.setdefault("split_training", {})
    shipped_before = {sp: dict(rec) for sp, rec in trained.items() if isinstance(rec, dict)}
    served = served_splits(cfg)
    retrained = []
    run_cfgs = [json.loads((Path(run) / "config.json").read_text()) for run in run_dirs]
    if missing := [sp for sp in only if not any(sp in served_splits(rc) for rc in run_cfgs)]:
        raise ValueError(f"no run given trains {', '.join(missing)}")
    for i, (run, rcfg) in enumerate(zip(map(Path, run_dirs), run_cfgs)):
        summary = json.loads((run / "summary.json").read_text())
        for key in ("backbone", "dataset", "k_max", "decompress_stages"):
            if rcfg[key] != cfg[key]:
                raise ValueError(f"{run} trains {key} = {rcfg[key]!r}, the shipped {name} has {cfg[key]!r}")
        best = load_file(str(run / "best.safetensors"))
        run_splits = served_splits(rcfg)
        for split in run_splits:
            if only and split not in only:
                continue
            if split not in served:
                raise ValueError(f"{run} trains {split}, which {name} does not serve ({', '.join(served)})")
            if (not set(rcfg.get("adapt", {}).get(split, [])) >= whole
                    and not _trained_on(backbone_part(best), shared, shared_as)):
                raise ValueError(f"{run} trained {split} on another backbone than {shared_where}, which {name} runs "
                                 f"{split} on (its stages not copied into the split): train it on that backbone")
            prefixes = (f"codecs.{split_key(split)}.", f"adapted.{split_key(split)}.")
            prev = shipped_before.get(split, {})  # the shipped split, not a run merged before in this call
            if (not allow_worse and (prev.get("config") or {}).get("name") == rcfg.get("name")
                    and summary["best_val_acc"] < (prev.get("best_val_acc") or 0.0)):
                raise ValueError(f"{run} reaches {100 * summary['best_val_acc']:.2f} % validation accuracy at {split}, "
                                 f"below the shipped {split}'s {100 * prev['best_val_acc']:.2f} % (the same config, "
                                 "measured alike): merging it would ship a worse model (--allow-worse merges it anyway)")
            stored = {k: v for k, v in stored.items() if not k.startswith(prefixes)}
            stored.update(compact({k: v for k, v in best.items() if k.startswith(prefixes)}, dtype))
            cfg["adapt"][split] = rcfg.get("adapt", {}).get(split, [])
            command = commands[i] if commands else run_command(summary, rcfg)
            trained[split] = {**_run_record(rcfg, summary, command), "weights_dtype": dtype,
                              "end_to_end": set(cfg["adapt"][split]) >= whole}
            if len(run_splits) > 1:  # its best_val_acc is over all of them (round-robin), not this split's alone
                trained[split]["validated_on"] = run_splits
            if split in (card.get("restored") or {}):  # retrained now: no longer "stored again, not retrained"
                del card["restored"][split]
                if not card["restored"]:
                    del card["restored"]
            retrained.append(split)
    for split in dict.fromkeys(restore):
        if split not in served:
            raise ValueError(f"{name} does not serve {split} ({', '.join(served)})")
        if split in retrained:
            raise ValueError(f"{split} is both merged from a run and re-stored; do one")
        prefixes = (f"codecs.{split_key(split)}.", f"adapted.{split_key(split)}.")
        mine = {k: v for k, v in stored.items() if k.startswith(prefixes)}
        stored = {k: v for k, v in stored.items() if k not in mine}
        stored.update(compact(expand(mine), dtype))
        # recorded apart from `split_training` (which says what trained a split: a re-store trains nothing)
        card.setdefault("restored", {})[split] = {
            "weights_dtype": dtype, "note": f"stored again as {dtype}, not retrained ({time.strftime('%Y-%m-%d')})"}
        retrained.append(split)
    if pointer and shared_sha != pointer["sha256"]:  # the backbone artifact was replaced since the export
        stale = [s for s in reads_backbone(card) if s not in retrained or s in restore]
        if stale:
            raise ValueError(backbone_moved_message(name, pointer, stale))
        card["backbone_from"] = {"name": pointer["name"], "sha256": shared_sha}
        card.setdefault("earlier_backbones", []).append(pointer)
    with paths.atomic_path(weights) as tmp:
        save_file(stored, str(tmp), metadata={"name": name})
    card.update(weights_dtype=stored_dtype(stored), sha256=sha256_file(weights),
                exported_at=time.strftime("%Y-%m-%dT%H:%M:%S%z"))

    def measure_retrained(model, mcfg):
        if measure is None or not (retrained or base_dtype):
            return {}
        mcfg.splits = served if base_dtype else retrained
        found = measure(model, mcfg)
        per = {**card.get("split_test_accuracy", {}), **found.get("split_test_accuracy", {})}
        return {**found, "split_test_accuracy": per, "test_accuracy": min(per.values())}
    return _finish_card(card, card_file, measure_retrained)

