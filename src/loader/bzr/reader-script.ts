/**
 * The Bazaar reader, a Python program run with the interpreter Breezy is installed for: it opens
 * a branch with Breezy's API and streams its new revisions, parents first, each with the changes
 * from the revision sent before it and the bytes of files not sent yet (protocol in its docstring).
 * Kept here as text so that it ships inside the build; it is written into scratch space to run.
 *
 * @module
 */

/** The Python source of the reader. */
export const BZR_READER_PY = String.raw`
"""Arca's Bazaar reader: streams a branch's new revisions for the TypeScript bzr loader.

Usage: python3 bzr_reader.py BRANCH_DIR

stdin, line 1: JSON {"known": [hex revision ids], "cache": N}; later lines: answers.
stdout: frames, each one type byte, a 4-byte big-endian length and the payload:
  H  JSON  head, tags, count of revisions to send
  Q  JSON  {"base": hex}: may the first revision be diffed against this archived one?
           answered by a line "1" or "0" on stdin
  R  JSON  a revision's metadata (the changes follow, then E)
  D  path  remove what is at path (a whole subtree)
  M  path  an (empty) directory at path
  F  JSON  a file at path: perms, sha1_git when its bytes were sent before, else B follows
  B  bytes the file's bytes
  E  -     end of the revision
  X  JSON  {"id", "error"}: the revision could not be read; the tree restarts empty
  Z  -     end of stream
Every byte string is sent as hex (ids, paths, names, messages, persons).
"""

import collections
import hashlib
import json
import struct
import sys

import breezy

OUT = sys.stdout.buffer


def frame(kind, payload=b""):
    OUT.write(kind + struct.pack(">I", len(payload)))
    OUT.write(payload)


def frame_json(kind, obj):
    frame(kind, json.dumps(obj, separators=(",", ":")).encode("ascii"))


def text(s):
    """A str of breezy's as hex of its UTF-8 bytes (lone surrogates kept as escapes)."""
    return s.encode("utf-8", "surrogateescape").hex()


def git_blob_sha1(data):
    h = hashlib.sha1(b"blob %d\0" % len(data))
    h.update(data)
    return h.hexdigest()


class TextCache:
    """Bounded map (file id, file revision) -> sha1_git of the bytes sent already."""

    def __init__(self, size):
        self.size = size
        self.map = collections.OrderedDict()

    def get(self, key):
        v = self.map.get(key)
        if v is not None:
            self.map.move_to_end(key)
        return v

    def put(self, key, value):
        self.map[key] = value
        self.map.move_to_end(key)
        while len(self.map) > self.size:
            self.map.popitem(last=False)


def perms_of(kind, executable):
    if executable:
        return 0o100755
    if kind == "symlink":
        return 0o120000
    return 0o100644


def changes(old_tree, new_tree):
    """The operations turning old_tree into new_tree: removed paths, new paths."""
    removes = set()
    puts = set()
    moved_dirs = []
    for c in new_tree.iter_changes(old_tree):
        old_path, new_path = c.path
        old_kind, new_kind = c.kind
        if old_path and old_kind is not None:
            if new_kind is None or new_path != old_path or new_kind != old_kind:
                removes.add(old_path)
        if new_path and new_kind is not None:
            puts.add(new_path)
            if new_kind == "directory" and (old_path != new_path or old_kind != new_kind):
                moved_dirs.append(new_path)
    # A directory put at a new place comes with everything under it (iter_changes names
    # only what changed itself, not the unchanged entries that moved with their parent).
    for d in moved_dirs:
        for rel, _cls, _kind, _entry in new_tree.list_files(
            include_root=False, from_dir=d, recursive=True
        ):
            puts.add(d + "/" + rel)
    return sorted(removes, reverse=True), sorted(puts)


def send_revision(repo, rev_id, old_tree, new_tree, cache):
    rev = repo.get_revision(rev_id)
    authors = rev.get_apparent_authors()
    bugs = [[text(url), text(status)] for url, status in rev.iter_bugs()]
    frame_json(
        b"R",
        {
            "id": rev_id.hex(),
            "parents": [p.hex() for p in rev.parent_ids],
            "committer": None if rev.committer is None else text(rev.committer),
            "author": text(authors[0]) if authors else None,
            "timestamp": int(rev.timestamp),
            "timezone": None if rev.timezone is None else int(rev.timezone),
            "message": text(rev.message),
            "bugs": bugs,
        },
    )
    removes, puts = changes(old_tree, new_tree)
    for p in removes:
        frame(b"D", p.encode("utf-8", "surrogateescape"))
    wanted = []
    for p in puts:
        kind = new_tree.kind(p)
        bpath = p.encode("utf-8", "surrogateescape")
        if kind in ("directory", "tree-reference"):
            frame(b"M", bpath)
        elif kind == "symlink":
            data = new_tree.get_symlink_target(p).encode("utf-8", "surrogateescape")
            frame_json(b"F", {"path": bpath.hex(), "perms": 0o120000, "sha1": None})
            frame(b"B", data)
        elif kind == "file":
            perms = perms_of(kind, new_tree.is_executable(p))
            key = (new_tree.path2id(p), new_tree.get_file_revision(p))
            sha1 = cache.get(key)
            if sha1 is not None:
                frame_json(b"F", {"path": bpath.hex(), "perms": perms, "sha1": sha1})
            else:
                wanted.append((p, (bpath, perms, key)))
        else:
            raise ValueError("unknown kind %r of %r" % (kind, p))
    for (bpath, perms, key), chunks in new_tree.iter_files_bytes(wanted):
        data = b"".join(chunks)
        frame_json(b"F", {"path": bpath.hex(), "perms": perms, "sha1": None})
        frame(b"B", data)
        cache.put(key, git_blob_sha1(data))
    frame(b"E")


def main():
    from breezy.branch import Branch
    from breezy.revision import NULL_REVISION

    request = json.loads(sys.stdin.readline())
    cache = TextCache(int(request.get("cache", 100000)))
    branch = Branch.open(sys.argv[1])
    branch.lock_read()
    repo = branch.repository
    graph = repo.get_graph()
    head = branch.last_revision()

    tags = []
    for name, target in sorted(branch.tags.get_tag_dict().items()):
        ok = target != NULL_REVISION
        if ok:
            try:
                branch.revision_id_to_dotted_revno(target)
            except Exception:
                ok = False
        tags.append({"name": text(name), "target": target.hex(), "ok": ok})

    known = [bytes.fromhex(k) for k in request.get("known", [])]
    present = repo.get_parent_map(known)
    common = [k for k in known if k in present] + [NULL_REVISION]
    if head == NULL_REVISION:
        order = []
    else:
        order = list(graph.iter_topo_order(graph.find_unique_ancestors(head, common)))
    frame_json(
        b"H",
        {
            "head": None if head == NULL_REVISION else head.hex(),
            "tags": tags,
            "count": len(order),
            "format": repo._format.get_format_string().decode("ascii", "replace").strip(),
        },
    )

    empty = repo.revision_tree(NULL_REVISION)
    old_tree = empty
    if order:
        parents = repo.get_parent_map([order[0]]).get(order[0], ())
        base = parents[0] if parents else NULL_REVISION
        if base != NULL_REVISION and base in repo.get_parent_map([base]):
            frame_json(b"Q", {"base": base.hex()})
            OUT.flush()
            if sys.stdin.readline().strip() == "1":
                old_tree = repo.revision_tree(base)

    for rev_id in order:
        try:
            new_tree = repo.revision_tree(rev_id)
            send_revision(repo, rev_id, old_tree, new_tree, cache)
            old_tree = new_tree
        except Exception as e:  # a revision that cannot be read: named, the others go on
            frame_json(b"X", {"id": rev_id.hex(), "error": "%s: %s" % (type(e).__name__, e)})
            old_tree = empty
    frame(b"Z")
    OUT.flush()


if __name__ == "__main__":
    with breezy.get_global_state() if hasattr(breezy, "get_global_state") else breezy.initialize():
        import breezy.bzr  # noqa: F401  (registers the Bazaar formats)

        main()
`
