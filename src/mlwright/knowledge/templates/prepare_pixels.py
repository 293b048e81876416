# Run once per run by the harness on an image task, before any candidate: decodes every train
# and test image into the run's cache, which candidates may read but not write.
import json
import os
import time
from pathlib import Path

from predict import pixel_features, read_inputs


def main():
    env = os.environ
    started = time.time()
    schema = json.loads(Path(env["MLWRIGHT_SCHEMA"]).read_text())
    cache = Path(env["MLWRIGHT_CACHE"])
    train, test = read_inputs(env, schema)
    for frame in (train, test):
        for column in schema["images"]:
            pixel_features(frame[column], schema)  # keyed as the candidates key them
    marker = cache / "pixels.json"  # written last and whole: it means "complete"
    marker.with_suffix(".tmp").write_text(json.dumps({"rows": len(train) + len(test)}))
    os.replace(marker.with_suffix(".tmp"), marker)
    print(f"{len(train) + len(test)} rows of images decoded in {time.time() - started:.1f}s",
          flush=True)


if __name__ == "__main__":
    main()
