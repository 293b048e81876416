# Model: a small convolutional network trained from scratch with PyTorch on the CPU, on each
# image's pixels (grey or colour), with random shifts (and optional flips) as augmentation;
# the number of epochs is sized to the time the fold has.

STOPS_AT_DEADLINE = True  # epochs are sized to ctx['deadline']


def _image_tensor(X, ctx):
    """(rows, channels, height, width) pixels of the first image column; missing images are 0."""
    import torch

    columns = [c for c in X.columns if c.startswith(ctx["image_column"] + "__px")]
    pixels = np.nan_to_num(X[columns].to_numpy(dtype="float32"), nan=0.0)
    return torch.from_numpy(pixels.reshape(len(X), *ctx["image_shape"]))


def _network(channels, outputs, width):
    import torch.nn as nn

    def block(inputs, channels):
        return [nn.Conv2d(inputs, channels, 3, padding=1, bias=False), nn.BatchNorm2d(channels),
                nn.ReLU(inplace=True)]

    return nn.Sequential(
        *block(channels, width), *block(width, width), nn.MaxPool2d(2),
        *block(width, 2 * width), *block(2 * width, 2 * width), nn.MaxPool2d(2, ceil_mode=True),
        *block(2 * width, 4 * width), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(0.3),
        nn.Linear(4 * width, outputs),
    )


def _augment(batch, shift, flip):
    """Random translations by up to `shift` pixels (zero padded), and mirror images if asked."""
    import torch
    import torch.nn.functional as F

    if shift:
        height, width = batch.shape[-2:]
        padded = F.pad(batch, (shift, shift, shift, shift))
        dy, dx = torch.randint(0, 2 * shift + 1, (2,)).tolist()
        batch = padded[:, :, dy:dy + height, dx:dx + width]
    if flip:
        mirrored = torch.rand(len(batch)) < 0.5
        batch = torch.where(mirrored[:, None, None, None], batch.flip(-1), batch)
    return batch


def fit_model(X, y, X_valid, y_valid, params, ctx):
    import torch

    torch.manual_seed(ctx["seed"])
    torch.set_num_threads(ctx["threads"])
    regression = ctx["task_type"] == "regression"
    images = _image_tensor(X, ctx)
    if regression:
        scale = (float(np.mean(y)), float(np.std(y)) or 1.0)
        targets = torch.tensor((np.asarray(y, dtype="float64") - scale[0]) / scale[1],
                               dtype=torch.float32)
        loss_fn = torch.nn.MSELoss()
    else:
        scale = None
        targets = torch.tensor(np.asarray(y), dtype=torch.long)
        loss_fn = torch.nn.CrossEntropyLoss(label_smoothing=params.pop("label_smoothing", 0.05))
    outputs = 1 if regression else ctx["n_classes"]
    width = int(params.pop("width", 32))
    channels = ctx["image_shape"][0]
    network = _network(channels, outputs, width)
    batch_size = int(params.pop("batch_size", 64))
    max_epochs = int(params.pop("max_epochs", 60))
    shift = int(params.pop("shift", max(1, images.shape[-1] // 8)))
    flip = bool(params.pop("flip", False))
    optimizer = torch.optim.AdamW(network.parameters(), lr=params.pop("learning_rate", 3e-3),
                                  weight_decay=params.pop("weight_decay", 5e-4))
    started = time.time()
    epochs, epoch = max_epochs, 0
    while epoch < epochs:
        network.train()
        for index in torch.randperm(len(images)).split(batch_size):
            batch = _augment(images[index], shift, flip)
            optimizer.zero_grad()
            out = network(batch)
            loss = loss_fn(out.squeeze(1) if regression else out, targets[index])
            loss.backward()
            optimizer.step()
        epoch += 1
        if epoch == 1:  # the time one epoch took decides how many fit
            per_epoch = time.time() - started
            epochs = max(1, min(max_epochs, 1 + int(seconds_left(ctx) * 0.9 / per_epoch)))
            for group in optimizer.param_groups:
                group["initial_lr"] = group["lr"]
            schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, max(1, epochs - 1))
        else:
            schedule.step()
    print(f"cnn: {epochs} epochs of {len(images)} images", flush=True)
    # Plain values only: a pickled class would tie the model to this file's module name.
    return {"weights": network.state_dict(), "channels": channels, "outputs": outputs,
            "width": width,
            "regression": regression, "target_scale": scale}


def used_rounds(model):
    return None


def predict_model(model, X, ctx):
    import torch

    network = _network(model["channels"], model["outputs"], model["width"])
    network.load_state_dict(model["weights"])
    network.eval()
    images = _image_tensor(X, ctx)
    parts = []
    with torch.no_grad():
        for start in range(0, len(images), 512):
            out = network(images[start:start + 512])
            parts.append(out.squeeze(1) if model["regression"] else torch.softmax(out, dim=1))
    raw = torch.cat(parts).numpy().astype("float64")
    if model["regression"]:
        scale = model["target_scale"]
        return raw * scale[1] + scale[0]
    return raw
