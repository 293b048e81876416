# Run once per run by the harness, before any candidate that needs text embeddings: embeds every
# train and test text into the run's cache, with the longest token length whose encoding fits
# the time this step was given, and records that length for the candidates.
import json
import os
import time
from pathlib import Path

import numpy as np

from predict import EMBEDDING_BATCH, load_text_encoder, read_inputs, text_embeddings

LENGTHS = (256, 128, 64, 32)
SAMPLE = 192
BATCH = EMBEDDING_BATCH


def padded_tokens(tokens, length, batch):
    """Tokens the encoder processes: texts go in batches of similar length, each padded to
    its longest member, cut at `length`."""
    ordered = np.sort(np.minimum(tokens, length))[::-1]
    return sum(int(ordered[i]) * len(ordered[i:i + batch]) for i in range(0, len(ordered), batch))


def choose_length(encoder, texts, seconds, rng):
    """The longest length whose estimated time fits: time a sample, count every text's tokens,
    and scale by the padded token counts. None when not even the shortest fits: the step then
    ends at once and gives its slot back, rather than run into its time limit."""
    tokens = np.array([len(ids) for ids in encoder.tokenizer(texts, verbose=False)["input_ids"]])
    warm, sample = np.split(rng.choice(len(texts), min(SAMPLE, len(texts)), replace=False),
                            [min(BATCH, len(texts) // 3)])
    encoder.max_seq_length = LENGTHS[1]
    # The first batch also pays for setting up the kernels; it is left out of the timing.
    encoder.encode([texts[i] for i in warm], batch_size=BATCH, show_progress_bar=False)
    started = time.time()
    encoder.encode([texts[i] for i in sample], batch_size=BATCH, show_progress_bar=False)
    per_token = (time.time() - started) / padded_tokens(tokens[sample], LENGTHS[1], BATCH)
    for length in LENGTHS:
        estimate = per_token * padded_tokens(tokens, length, BATCH) * 1.5  # a busy machine
        print(f"length {length}: about {estimate:.0f}s for {len(texts)} texts "
              f"({seconds:.0f}s available)", flush=True)
        if estimate <= seconds:
            return length
    return None


def main():
    env = os.environ
    started = time.time()
    schema = json.loads(Path(env["MLWRIGHT_SCHEMA"]).read_text())
    deadline = float(env["MLWRIGHT_DEADLINE"])
    cache = Path(env["MLWRIGHT_CACHE"])
    train, test = read_inputs(env, schema)
    columns = [(frame, c) for c in schema["text"] for frame in (train, test)]
    texts = [t for frame, c in columns for t in frame[c].fillna("").astype(str)]
    encoder = load_text_encoder(128)
    print(f"encoder loaded in {time.time() - started:.1f}s", flush=True)
    length = choose_length(encoder, texts, deadline - time.time(), np.random.default_rng(0))
    if length is None:
        raise SystemExit(f"not even {LENGTHS[-1]} tokens per text fit the time: no embeddings")
    encoder.max_seq_length = length
    for frame, column in columns:
        text_embeddings(frame[column].fillna("").astype(str), length, encoder)
    cache.mkdir(parents=True, exist_ok=True)
    marker = cache / "text_embedding.json"  # written last and whole: it means "complete"
    marker.with_suffix(".tmp").write_text(json.dumps({"length": length, "texts": len(texts)}))
    os.replace(marker.with_suffix(".tmp"), marker)
    print(f"{len(texts)} texts embedded at {length} tokens in {time.time() - started:.1f}s",
          flush=True)


if __name__ == "__main__":
    main()
