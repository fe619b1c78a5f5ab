"""``cache``: list the embedding cache (one line per encoder folder), or prune it.

``--prune --data DIR [DIR ...]`` removes the entries whose content none of those dataset folders
holds any more (a file deleted or edited, a caption changed); ``--prune --all`` removes every entry.
Both also remove unfinished writes over an hour old. Nothing but the cache's own files is ever
removed. The command prints exactly what it will remove, then asks; ``--yes`` skips the question.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from fusion.errors import ConfigError


def add_parser(commands) -> argparse.ArgumentParser:
    command = commands.add_parser("cache", help="list the embedding cache, or prune entries no dataset folder holds")
    action = command.add_mutually_exclusive_group(required=True)
    action.add_argument("--list", action="store_true", help="each encoder folder: encoder, items, bytes")
    action.add_argument("--prune", action="store_true", help="remove the entries of no --data folder (or --all)")
    command.add_argument("--data", type=Path, nargs="+", metavar="DIR", help="--prune keeps what these dataset folders hold")
    command.add_argument("--all", action="store_true", help="--prune removes every entry")
    command.add_argument("--yes", action="store_true", help="--prune without asking")
    command.add_argument("--cache-dir", type=Path, help="default: $FUSION_CACHE_DIR, else ~/.cache/fusion-explorer/embeddings")
    command.add_argument("--json", action="store_true", help="print one JSON object")
    return command


def run(args: argparse.Namespace) -> int:
    from fusion.embeddings.cache import default_cache_dir

    root = args.cache_dir if args.cache_dir is not None else default_cache_dir()
    if args.list:
        if args.data or args.all or args.yes:
            raise ConfigError("--data, --all and --yes go with --prune, not --list")
        return list_folders(root, args.json)
    if bool(args.data) == args.all:
        raise ConfigError("--prune needs --data DIR [DIR ...] (keep what those dataset folders hold) or --all (remove every entry)")
    return prune(root, args)


def list_folders(root: Path, as_json: bool) -> int:
    from fusion.embeddings.inventory import list_cache

    folders = [folder.to_dict() for folder in list_cache(root)]
    if as_json:
        print(json.dumps({"cache": str(root), "folders": folders}))
        return 0
    print(f"{root}: {len(folders)} encoder folder(s), {sum(f['items'] for f in folders)} items, "
          f"{_size(sum(f['bytes'] for f in folders))}")
    for f in folders:
        print(f"  {Path(f['folder']).name:<52} {f['encoder']:<28} {f['modality']:<6} {f['items']:>9} items {_size(f['bytes']):>10}")
    return 0


def prune(root: Path, args: argparse.Namespace) -> int:
    from fusion.embeddings.inventory import plan_prune, referenced_digests
    from fusion.userdata.manifest import load_manifest

    keep = None if args.all else referenced_digests(load_manifest(folder) for folder in args.data)
    removal = plan_prune(root, keep)
    what = "every entry (and encoder record)" if args.all else f"the entries none of {', '.join(map(str, args.data))} holds"
    summary = {"cache": str(root), "removes": what, "files": removal.count, "bytes": removal.bytes,
               "folders": removal.summary()}
    out = sys.stderr if args.json else sys.stdout  # --json: stdout holds the one JSON object
    print(f"{root}: {removal.count} file(s), {_size(summary['bytes'])}, are {what} (and unfinished writes over an hour old):",
          file=out)
    for folder in summary["folders"]:
        print(f"  {folder['folder']}: {folder['files']} file(s), {_size(folder['bytes'])}", file=out)
    if removal.count and not args.yes:
        if not sys.stdin.isatty():
            raise ConfigError("nothing removed: pass --yes to remove these files without being asked")
        if input("remove them? [y/N] ").strip().lower() not in ("y", "yes"):
            print("nothing removed", file=out)
            return 1
    summary["removed"] = removal.apply() if removal.count else 0
    if args.json:
        print(json.dumps(summary))
    else:
        print(f"removed {summary['removed']} file(s)")
    return 0


def _size(count: int) -> str:
    return f"{count / 1024 / 1024:.1f} MB" if count >= 1024 * 1024 else f"{count / 1024:.1f} kB"
