"""Command line: `python -m semcom_core <command> ...`. Each command is a thin wrapper over the
library functions the app and the tests call; user errors print one line and exit non-zero."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from semcom_core.cli.common import UsageError  # noqa: F401  (re-raised by main)


# ----------------------------------------------------------------------------- data
def cmd_data_prepare(a) -> int:
    from semcom_core.data.prepare import prepare
    for name in a.names:
        path, built = prepare(name, Path(a.source) if a.source else None, force=a.force)
        print(f"{name}: {'prepared' if built else 'already prepared (use --force to rebuild)'} -> {path}")
    return 0


def cmd_data_info(a) -> int:
    from semcom_core.data.prepare import info
    rows = info()
    if a.json:
        print(json.dumps(rows, indent=2))
    elif not rows:
        print("no dataset prepared; run `python -m semcom_core data prepare cifar10` (or mnist, fashion-mnist)")
    else:
        for r in rows:
            if "error" in r:
                print(f"{r['name']:>14}: {r['error']}")
            else:
                print(f"{r['name']:>14}: {r['train']} train / {r['test']} test, {tuple(r['image_shape'])}, "
                      f"{len(r['classes'])} classes; {r['provenance']}")
    return 0


def cmd_data_samples(a) -> int:
    from semcom_core.data.samples import export_samples
    for name in a.names:
        print(f"{name}: samples -> {export_samples(name, a.per_class)}")
    return 0


class _Parser(argparse.ArgumentParser):
    """Usage errors as one line (`prog: error: ...`, exit 2), like every other user error here; `-h`
    still prints the full usage. Sub-command parsers inherit this class."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="python -m semcom_core", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)

    data = sub.add_parser("data", help="prepare and list datasets").add_subparsers(dest="data_cmd", required=True)
    dp = data.add_parser("prepare", help="convert an upstream dataset layout into data_cache/")
    dp.add_argument("names", nargs="+", metavar="NAME", help="cifar10, cifar100, mnist, fashion-mnist")
    dp.add_argument("--source", help="file or folder holding the upstream files (default: $SEMCOM_DATA, "
                                     "then ../shared/datasets, then the official download)")
    dp.add_argument("--force", action="store_true", help="rebuild even if the cache is up to date")
    dp.set_defaults(func=cmd_data_prepare)
    di = data.add_parser("info", help="list prepared datasets")
    di.add_argument("--json", action="store_true")
    di.set_defaults(func=cmd_data_info)
    ds = data.add_parser("samples", help="export sample test images into pretrained/samples/")
    ds.add_argument("names", nargs="+", metavar="NAME")
    ds.add_argument("--per-class", type=int, default=10)
    ds.set_defaults(func=cmd_data_samples)

    from semcom_core.cli import digital, iot, models, plan, toc, zoo
    models.register(sub)
    iot.register(sub)
    zoo.register(sub)
    toc.register(sub)
    plan.register(sub)
    digital.register(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    from semcom_core.data.registry import DatasetError
    parser = build_parser()
    args = parser.parse_args(argv)
    args.argv = list(sys.argv[1:] if argv is None else argv)  # what was asked, for the records that keep it
    try:
        return args.func(args)
    except UsageError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except (DatasetError, FileNotFoundError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # e.g. piped into `head`
        return 0
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
