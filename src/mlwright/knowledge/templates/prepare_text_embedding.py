# Run once per run by the harness, before any candidate that needs text embeddings: embeds every
# train and test text into the run's cache, with the longest token length whose encoding fits
# the time this step was given, and records that length for the candidates. A sample's timing
# picks the first length; the encoding itself is timed as it goes, and where the rest would
# overrun (a machine busier than the sample saw), the step starts over at a shorter length.
import json
import os
import time
from pathlib import Path

import numpy as np
from predict import (
    EMBEDDING_BATCH,
    EMBEDDING_CHUNK,
    load_text_encoder,
    read_inputs,
    text_embeddings,
)

LENGTHS = (256, 128, 64, 32)
SAMPLE = 192
BATCH = EMBEDDING_BATCH
CHUNK = EMBEDDING_CHUNK
BUSY = 1.5  # estimates from a sample are scaled by this: the machine may get busier
CHECK = 1.15  # while encoding, the measured pace is scaled by this for what is left


class OutOfTime(Exception):
    """The measured pace says the rest of the texts will not be encoded before the deadline."""


def padded_costs(tokens, length, sizes):
    """Each text's share of the encoder's work at `length`, in column order: a column goes to
    the encoder in chunks of CHUNK texts; the encoder sorts a chunk longest first and pads each
    batch to its longest member (cut at `length`). Counting the padding as it happens matters:
    chunks of mixed lengths cost about half as much again as the lengths alone say."""
    cut = np.minimum(np.asarray(tokens), length)
    costs = np.empty(len(cut), dtype=float)
    for first, size in zip(np.cumsum([0, *sizes[:-1]]), sizes, strict=True):
        for start in range(first, first + size, CHUNK):
            chunk = cut[start:min(start + CHUNK, first + size)]
            ordered = np.sort(chunk)[::-1]
            padded = np.repeat(ordered[::BATCH], BATCH)[:len(chunk)]
            costs[start + np.argsort(-chunk, kind="stable")] = padded
    return costs


def choose_length(encoder, texts, tokens, sizes, seconds, rng):
    """The longest length whose estimated time fits: time a sample, count every text's tokens,
    and scale by the padded token counts. None when not even the shortest fits: the step then
    ends at once and gives its slot back, rather than run into its time limit."""
    warm, sample = np.split(rng.choice(len(texts), min(SAMPLE, len(texts)), replace=False),
                            [min(BATCH, len(texts) // 3)])
    encoder.max_seq_length = LENGTHS[0]
    # Timed at the longest length, whose cost per token is the highest. The first batch also
    # pays for setting up the kernels; it is left out of the timing.
    encoder.encode([texts[i] for i in warm], batch_size=BATCH, show_progress_bar=False)
    started = time.time()
    encoder.encode([texts[i] for i in sample], batch_size=BATCH, show_progress_bar=False)
    per_token = (time.time() - started) / padded_costs(tokens[sample], LENGTHS[0],
                                                        [len(sample)]).sum()
    return longest_fitting(LENGTHS, per_token * BUSY, tokens, sizes, seconds)


def longest_fitting(lengths, per_token, tokens, sizes, seconds):
    for length in lengths:
        estimate = per_token * padded_costs(tokens, length, sizes).sum()
        print(f"length {length}: about {estimate:.0f}s for {len(tokens)} texts "
              f"({seconds:.0f}s available)", flush=True)
        if estimate <= seconds:
            return length
    return None


def embed_all(columns, encoder, length, tokens, deadline):
    """Every column's embeddings into the cache at `length`; raises OutOfTime (with the pace
    seen, in seconds per padded token) as soon as the rest is projected past the deadline."""
    # each text's share of the encoding, summed so far: a chunk's check reads two numbers
    # instead of summing every text again (a million texts make thousands of chunks)
    work = np.cumsum(padded_costs(tokens, length, [len(frame) for frame, _ in columns]))
    done = 0
    started = time.time()

    def after_chunk(n):
        nonlocal done
        done += n
        if done >= len(work):
            return
        spent = time.time() - started
        left = spent / max(work[done - 1], 1.0) * (work[-1] - work[done - 1]) * CHECK
        if time.time() + left > deadline:
            raise OutOfTime(spent / work[done - 1])

    encoder.max_seq_length = length
    for frame, column in columns:
        text_embeddings(frame[column].fillna("").astype(str), length, encoder, after_chunk)


def embed_within(columns, encoder, tokens, length, cache, deadline):
    """Embed everything at `length`, or at the longest shorter one the pace seen allows where
    it runs late; the length used."""
    cache.mkdir(parents=True, exist_ok=True)
    while length is not None:
        before = set(cache.glob("minilm_*.npy"))
        try:
            embed_all(columns, encoder, length, tokens, deadline)
            return length
        except OutOfTime as slow:
            for path in set(cache.glob("minilm_*.npy")) - before:
                path.unlink()  # the columns embedded at the abandoned length
            print(f"length {length} is running late: trying a shorter one", flush=True)
            length = longest_fitting(LENGTHS[LENGTHS.index(length) + 1:], slow.args[0] * CHECK,
                                     tokens, [len(frame) for frame, _ in columns],
                                     deadline - time.time())
    raise SystemExit(f"not even {LENGTHS[-1]} tokens per text fit the time: no embeddings")


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
    tokens = np.array([len(ids) for ids in encoder.tokenizer(texts, verbose=False)["input_ids"]])
    sizes = [len(frame) for frame, _ in columns]
    length = choose_length(encoder, texts, tokens, sizes, deadline - time.time(),
                           np.random.default_rng(0))
    length = embed_within(columns, encoder, tokens, length, cache, deadline)
    marker = cache / "text_embedding.json"  # written last and whole: it means "complete"
    marker.with_suffix(".tmp").write_text(json.dumps({"length": length, "texts": len(texts)}))
    os.replace(marker.with_suffix(".tmp"), marker)
    print(f"{len(texts)} texts embedded at {length} tokens in {time.time() - started:.1f}s",
          flush=True)


if __name__ == "__main__":
    main()
