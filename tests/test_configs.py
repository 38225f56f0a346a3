"""Every experiment config in configs/ loads, and every split config builds the model it describes
(split names, stage names in `adapt`), small enough that its planned artifacts fit pretrained/'s budget."""
from pathlib import Path

import pytest

from semcom_core.config import TrainConfig
from semcom_core.nets import build_backbone
from semcom_core.nets.multisplit import MultiSplitModel

CONFIGS = sorted((Path(__file__).parent.parent / "configs").glob("*.toml"))
TRAIN_CONFIGS = [p for p in CONFIGS if not p.stem.startswith("toc_")]  # toc_*: paper 001, semcom_core.toc
PRETRAINED_BUDGET = 200e6  # bytes, issue 4


@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: p.stem)
def test_config_loads_and_names_itself(path):
    """Split and IoT configs are TrainConfigs; paper 001's TOC configs (toc_*) are TOCConfigs."""
    if path.stem.startswith("toc_"):
        from semcom_core.toc.train import TOCConfig
        cfg = TOCConfig.load(path)
    else:
        cfg = TrainConfig.load(path)
    assert cfg.name == path.stem and cfg.epochs > 0


def _split_model(cfg: TrainConfig) -> MultiSplitModel:
    """The model's structure and sizes, on the meta device (nothing allocated or initialised)."""
    import torch
    with torch.device("meta"):
        return MultiSplitModel(build_backbone(cfg.backbone), splits=cfg.splits, k_max=cfg.k_max,
                               decompress_stages=cfg.decompress_stages, adapt=cfg.adapt or None)


def _fp16_bytes(tensors) -> int:
    return 2 * sum(t.numel() for t in tensors)


@pytest.mark.parametrize("path", [p for p in CONFIGS if p.stem.startswith("split_")], ids=lambda p: p.stem)
def test_split_config_builds_with_its_adapted_stages(path):
    cfg = TrainConfig.load(path)
    m = _split_model(cfg)  # raises on unknown split or stage names
    assert m.splits == cfg.splits
    for split, stages in cfg.adapt.items():
        assert sorted(m.adapted[split.replace("-", "_")].keys()) == sorted(stages)


@pytest.mark.parametrize("path", [p for p in TRAIN_CONFIGS if TrainConfig.load(p).init_from], ids=lambda p: p.stem)
def test_init_from_names_an_artifact_some_config_makes(path):
    """A config that starts from another model names the file that model's config ships
    (scripts/build_zoo.sh exports every backbone to pretrained/split/<config name>.safetensors)."""
    cfg = TrainConfig.load(path)
    init = Path(cfg.init_from)
    assert init.parent == Path("pretrained/split") and init.suffix == ".safetensors", init
    maker = TrainConfig.load(path.parent / f"{init.stem}.toml")
    assert maker.kind == "backbone" and maker.dataset == cfg.dataset and not maker.init_from.endswith(f"{cfg.name}.safetensors")


@pytest.mark.parametrize("path", [p for p in CONFIGS if p.stem.startswith("toc_")], ids=lambda p: p.stem)
def test_toc_config_grows_from_a_run_another_config_makes(path):
    """A deeper static TOC model starts from the run folder of a shallower one's config (runs/<name>/best...)."""
    from semcom_core.toc.train import TOCConfig
    cfg = TOCConfig.load(path)
    if not cfg.init_from:
        return
    init = Path(cfg.init_from)
    assert init.parts[0] == "runs" and (path.parent / f"{init.parts[1]}.toml").is_file(), init
    assert init.parts[1] != cfg.name
