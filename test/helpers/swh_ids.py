"""Software Heritage ids computed independently of Arca (git object hashing, as swh-model
defines directory, release and snapshot manifests), for the archive loader tests.

Usage:
  swh_ids.py dir PATH                 -> directory id of PATH (after swh-core's
                                         normalize_permissions: owner-exec -> 755, else 644)
  swh_ids.py unzip ZIP DEST           -> shutil.unpack_archive (what swh-core does for zip)
  swh_ids.py release JSON             -> {"target","name","message","author","ts","offset"}
  swh_ids.py snapshot JSON            -> [[name, type, target-hex-or-alias-name], ...]
  swh_ids.py nar PATH                 -> sha256 (hex) of the NAR serialisation of PATH (the
                                         Nix manual's grammar: entries sorted by name bytes,
                                         "executable" when the owner may execute)
"""
import hashlib, json, os, shutil, stat, sys


def git_hash(kind, data):
    return hashlib.sha1(b"%s %d\0" % (kind, len(data)) + data).hexdigest()


def dir_id(path):
    entries = []
    for name in os.listdir(os.fsencode(path)):
        p = os.path.join(os.fsencode(path), name)
        st = os.lstat(p)
        if stat.S_ISLNK(st.st_mode):
            entries.append((name, b"120000", git_hash(b"blob", os.readlink(p)), False))
        elif stat.S_ISDIR(st.st_mode):
            entries.append((name, b"40000", dir_id(p), True))
        else:
            with open(p, "rb") as f:
                data = f.read()
            mode = b"100755" if st.st_mode & stat.S_IXUSR else b"100644"
            entries.append((name, mode, git_hash(b"blob", data), False))
    entries.sort(key=lambda e: e[0] + (b"/" if e[3] else b""))
    body = b"".join(m + b" " + n + b"\0" + bytes.fromhex(h) for n, m, h, _ in entries)
    return git_hash(b"tree", body)


def release_id(r):
    m = b"object " + r["target"].encode() + b"\ntype tree\ntag " + r["name"].encode() + b"\n"
    if r.get("author") is not None:
        m += b"tagger " + r["author"].encode()
        if r.get("ts") is not None:
            m += b" " + str(r["ts"]).encode() + b" " + r["offset"].encode()
        m += b"\n"
    m += b"\n" + r["message"].encode()
    return git_hash(b"tag", m)


def snapshot_id(branches):
    out = b""
    for name, kind, target in sorted(branches, key=lambda b: b[0].encode()):
        t = target.encode() if kind == "alias" else bytes.fromhex(target)
        out += kind.encode() + b" " + name.encode() + b"\0" + b"%d:" % len(t) + t
    return git_hash(b"snapshot", out)


def nar_sha256(path):
    h = hashlib.sha256()

    def s(b):
        if isinstance(b, str):
            b = b.encode()
        h.update(len(b).to_bytes(8, "little") + b + b"\0" * (-len(b) % 8))

    def node(p):
        st = os.lstat(p)
        s("(")
        s("type")
        if stat.S_ISLNK(st.st_mode):
            s("symlink"), s("target"), s(os.readlink(p))
        elif stat.S_ISDIR(st.st_mode):
            s("directory")
            for name in sorted(os.listdir(p)):
                s("entry"), s("("), s("name"), s(name), s("node")
                node(os.path.join(p, name))
                s(")")
        else:
            s("regular")
            if st.st_mode & stat.S_IXUSR:
                s("executable"), s("")
            with open(p, "rb") as f:
                s("contents"), s(f.read())
        s(")")

    s("nix-archive-1")
    node(os.fsencode(path))
    return h.hexdigest()


cmd = sys.argv[1]
if cmd == "dir":
    print(dir_id(sys.argv[2]))
elif cmd == "unzip":
    shutil.unpack_archive(sys.argv[2], sys.argv[3], format="zip")
elif cmd == "release":
    print(release_id(json.loads(sys.argv[2])))
elif cmd == "snapshot":
    print(snapshot_id(json.loads(sys.argv[2])))
elif cmd == "nar":
    print(nar_sha256(sys.argv[2]))
