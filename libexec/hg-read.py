"""Arca's reader of a Mercurial repository, for the hg loader (src/loader/hg/).

Run with the Python interpreter of Debian's `hg` (its Mercurial library), never by hand:

    hg-read.py list REPO
        an upper bound of revision numbers ('n'), every changeset's revision number and
        node in revision order ('N' frames), then 'Z'
    hg-read.py stream REPO KNOWN MAX_SIZE
        the changesets not marked in KNOWN (a bitmap by revision number, bit i of byte
        i // 8, least significant first), in revision order, each as the changes of its
        manifest from the previously streamed one; then the heads, bookmarks and tags

Output is a stream of frames on stdout: one type byte, a big-endian u32 payload length,
and a payload of fields, each a big-endian u32 length and its bytes. Frames of `stream`:

    n [count]                          changesets to stream
    B [rev]                            the first diff is from this (archived) changeset
    R [path]                           a file removed
    F [path, flags, sha1_git]          a file whose content was sent before
    D [path, flags, sha1_git, data]    a file with its content
    S [path, flags, sha1, sha1_git, sha256, blake2s256, length]
                                       a file of MAX_SIZE bytes or more (hashes only)
    C [rev, node, parent revs, user, seconds, offset, description, key, value, ...]
                                       the changeset (ends its frames); parents are
                                       space-separated revision numbers; extras in
                                       Mercurial's order
    X [rev, node, reason]              the changeset is corrupt: its frames are void
    Y [rev, node]                      not streamed: an ancestor is corrupt
    H [branch, rev, closed]            a branch head (heads of a branch sorted by node)
    K [name, rev, branch]              a bookmark (not the local divergent ones)
    T [name, rev]                      a tag (not `tip`)
    Z []                               the end

Texts are Mercurial's API values under HGENCODING=UTF-8 (set by the loader), as Software
Heritage's loader reads them: user, description, branch, tag and bookmark names that are
not UTF-8 are Latin-1 recoded to UTF-8 by Mercurial; paths and extras are raw bytes.
"""

import hashlib
import struct
import sys
from collections import OrderedDict

from mercurial import bookmarks, error, hg, ui as uimod
from mercurial.node import nullid, nullrev
from mercurial.utils import storageutil


def hashrevision(text, p1, p2):
    """Mercurial's node of a revision (storageutil.hashrevisionsha1), with OpenSSL's SHA-1."""
    a, b = (p1, p2) if p1 < p2 else (p2, p1)
    s = hashlib.sha1(a)
    s.update(b)
    s.update(text)
    return s.digest()


# Mercurial checks every text it reads (each changeset's manifest of the whole tree, file
# texts) against its node with the collision-detecting SHA-1 (sha1dc) when built with it:
# several times slower than OpenSSL's, and most of the reader's time on large manifests. The
# digests are the same, so each text is still checked against its node; only the detection of
# crafted SHA-1 collisions goes, which Arca does not rely on (a content's ids are computed from
# its bytes, here and again by the loader).
storageutil.hashrevisionsha1 = hashrevision

# File nodes whose sha1_git was computed this run (content already sent), at most.
CACHE_SIZE = 100_000
FLAGS = (b"", b"x", b"l")

out = sys.stdout.buffer


def frame(kind, *fields):
    parts = []
    for f in fields:
        if isinstance(f, int):
            f = b"%d" % f
        parts.append(struct.pack(">I", len(f)))
        parts.append(f)
    payload = b"".join(parts)
    out.write(kind + struct.pack(">I", len(payload)))
    out.write(payload)


def open_repo(path):
    ui = uimod.ui.load()
    ui.setconfig(b"ui", b"quiet", b"true", b"arca")
    return hg.repository(ui, path.encode("utf-8", "surrogateescape"))


def cmd_list(repo):
    cl = repo.changelog
    frame(b"n", len(repo.unfiltered()))
    for rev in repo.revs(b"all()"):
        frame(b"N", rev, cl.node(rev))
    frame(b"Z")


class Cache:
    """filenode -> sha1_git (hex), least recently used out first."""

    def __init__(self, size):
        self.size = size
        self.d = OrderedDict()

    def get(self, key):
        v = self.d.get(key)
        if v is not None:
            self.d.move_to_end(key)
        return v

    def put(self, key, value):
        self.d[key] = value
        self.d.move_to_end(key)
        if len(self.d) > self.size:
            self.d.popitem(last=False)


def emit_files(repo, base, ctx, cache, max_size):
    """The changes from manifest `base` to ctx's: removals first, then files."""
    m2 = ctx.manifest()
    diff = base.diff(m2)
    paths = sorted(diff)
    for path in paths:
        (_n1, _f1), (n2, _f2) = diff[path]
        if n2 is None:
            frame(b"R", path)
    for path in paths:
        (_n1, _f1), (n2, f2) = diff[path]
        if n2 is None:
            continue
        if f2 not in FLAGS:
            raise error.Abort(b"file %s has unknown flags %r" % (path, f2))
        known = cache.get(n2)
        if known is not None:
            frame(b"F", path, f2, known)
            continue
        data = repo.file(path).read(n2)
        sha1_git = hashlib.sha1(b"blob %d\0" % len(data))
        sha1_git.update(data)
        sha1_git = sha1_git.hexdigest().encode()
        if len(data) >= max_size:
            frame(
                b"S",
                path,
                f2,
                hashlib.sha1(data).hexdigest().encode(),
                sha1_git,
                hashlib.sha256(data).hexdigest().encode(),
                hashlib.blake2s(data).hexdigest().encode(),
                len(data),
            )
        else:
            frame(b"D", path, f2, sha1_git, data)
        cache.put(n2, sha1_git)


def cmd_stream(repo, known_path, max_size):
    with open(known_path, "rb") as f:
        known = f.read()

    def is_known(rev):
        return rev >= 0 and (rev >> 3) < len(known) and (known[rev >> 3] >> (rev & 7)) & 1

    cl = repo.changelog
    revs = [r for r in repo.revs(b"all()") if not is_known(r)]
    frame(b"n", len(revs))
    ignored = set()
    cache = Cache(CACHE_SIZE)
    base = None  # manifest the next changeset's changes are relative to
    for rev in revs:
        ctx = repo[rev]
        node = ctx.node()
        if any(p in ignored for p in cl.parentrevs(rev)):
            ignored.add(rev)
            frame(b"Y", rev, node)
            continue
        parents = [p for p in ctx.parents() if p.node() != nullid]
        try:
            if base is None:
                p1 = ctx.p1().rev()
                if p1 != nullrev and is_known(p1):
                    frame(b"B", p1)
                    base = repo[p1].manifest()
                else:
                    base = repo[nullrev].manifest()
            emit_files(repo, base, ctx, cache, max_size)
            (seconds, offset) = ctx.date()
            fields = [
                rev,
                node,
                b" ".join(b"%d" % p.rev() for p in parents),
                ctx.user(),
                b"%d" % int(seconds),
                b"%d" % offset,
                ctx.description(),
            ]
            for key, value in ctx.extra().items():
                fields.append(key)
                fields.append(value)
            manifest = ctx.manifest()
        except Exception as e:  # a corrupt or missing revlog entry, whatever its kind
            ignored.add(rev)
            frame(b"X", rev, node, bytes(str(e), "utf-8", "replace"))
            continue
        frame(b"C", *fields)
        base = manifest
    refs(repo, ignored)
    frame(b"Z")


def refs(repo, ignored):
    for branch, heads in repo.branchmap().items():
        for head in sorted(heads):
            ctx = repo[head]
            if ctx.rev() in ignored:
                continue
            frame(b"H", branch, ctx.rev(), b"1" if ctx.closesbranch() else b"0")
    for name, node in bookmarks.listbinbookmarks(repo):
        ctx = repo[node]
        frame(b"K", name, ctx.rev(), ctx.branch())
    for name, node in repo.tags().items():
        if name == b"tip":
            continue
        frame(b"T", name, repo[node].rev())


def main(argv):
    repo = open_repo(argv[2])
    if argv[1] == "list":
        cmd_list(repo)
    elif argv[1] == "stream":
        cmd_stream(repo, argv[3], int(argv[4]))
    else:
        raise SystemExit("unknown command %r" % argv[1])
    out.flush()


if __name__ == "__main__":
    main(sys.argv)
