#!/usr/bin/env python3
"""A stand-in for kohya-ss sd-scripts' *_train_network.py, for tests without a GPU.

It reads --config_file and --dataset_config as sd-scripts does (config sections flattened, the dataset file
validated strictly), prints what sd-scripts prints (the start lines, a tqdm bar redrawn with \\r on stderr,
`epoch N/M`, `saving checkpoint: ...`, `model saved.`) and writes what it writes (per-epoch and final
.safetensors files with ss_epoch/ss_steps metadata, a TensorBoard event file with loss/epoch_average).

With validation_split set (in the arguments or the dataset config, a float in (0, 1), as sd-scripts v0.10 takes
it), it holds out round(images * split) images of each subset, runs an "epoch validation steps" bar after each
validated epoch (every epoch, or every validate_every_n_epochs) and logs loss/validation/epoch_average.

With sample_prompts set (a .txt prompt file as sd-scripts reads it: one prompt a line, options --n --w --h --d --s
--l --ss inline), it renders every prompt after every sample_every_n_epochs-th epoch (and before training with
sample_at_first) to {output_dir}/sample/{output_name}_e{epoch:06d}_{idx:02d}_{YYYYmmddHHMMSS}[_{seed}].png, as
train_util.py's sample_image_inference names them, printing its "generating sample images" lines. The images are
real PNGs, drawn at 1/16 of the asked size to stay small, with different pixels per epoch and prompt.

Test controls (arguments, or the FAKE_SD_SCRIPTS_* environment variable of the same name in upper case):
  --fake_losses 0.30,0.21,0.25   per-epoch mean loss (the last one repeats for further epochs)
  --fake_validation_losses 0.28,0.24,0.21   per-epoch mean validation loss (default: 1.1 x the training loss)
  --fake_mode ok|oom|nan|sigkill|killed|no_data|nan_latents|no_model_saved
  --fake_fail_epoch N            the epoch in which a failure mode strikes (default 2)
  --fake_step_seconds S          time per step (default 0.001)
  --fake_sample_fail_prompt I    the prompt index whose image is cut short (not a valid PNG) at every sampled epoch
  --fake_sample_seconds S        time per sample image (default 0)
  FAKE_SD_SCRIPTS_EPOCH_LEDGER   a file each trained epoch's number is appended to (counts epochs across restarts)

With save_state it saves a state folder wherever it saves an epoch's LoRA, {output_name}-{epoch:06d}-state (the
last at the end as {output_name}-state; save_last_n_epochs_state keeps that many), holding train_state.json
{"current_epoch", "current_step"} and stand-ins for accelerate's files. With resume it prints "resume training from
local state: DIR", starts at the epoch after the saved one, and counts steps on from the saved step.
"""
import argparse
import datetime
import json
import math
import os
import shutil
import signal
import socket
import struct
import sys
import time
import tomllib
import zlib

IMAGE_EXTENSIONS = {".png", ".jpg", ".jpeg", ".webp", ".bmp"}
SUBSET_KEYS = {
    "image_dir", "num_repeats", "class_tokens", "caption_extension", "keep_tokens", "shuffle_caption", "is_reg",
    "flip_aug", "color_aug", "random_crop", "caption_prefix", "caption_suffix", "caption_dropout_rate",
    "caption_dropout_every_n_epochs", "caption_tag_dropout_rate", "token_warmup_min", "token_warmup_step",
    "keep_tokens_separator", "secondary_separator", "enable_wildcard", "alpha_mask", "cache_info", "metadata_file",
    "face_crop_aug_range", "custom_attributes", "resize_interpolation",
}
DATASET_KEYS = {
    "resolution", "batch_size", "enable_bucket", "min_bucket_reso", "max_bucket_reso", "bucket_reso_steps",
    "bucket_no_upscale", "network_multiplier", "debug_dataset", "validation_seed", "validation_split",
    "resize_interpolation", "subsets",
}
GENERAL_KEYS = (SUBSET_KEYS | DATASET_KEYS) - {"image_dir", "subsets", "metadata_file"}
NUMERIC_ARGS = {"learning_rate", "unet_lr", "network_dim", "network_alpha", "max_train_epochs", "save_every_n_epochs", "seed"}
# What accelerate's save_state writes into a state folder (train_network.py's save hook adds train_state.json).
STATE_FILES = ("model.safetensors", "optimizer.bin", "scheduler.bin", "random_states_0.pkl")


def log(message, source="train_network.py:1"):
    stamp = datetime.datetime.now().strftime("%Y-%m-%d %H:%M:%S")
    print(f"{stamp} INFO     {message:<90} {source}", flush=True)


def fail(lines, code=1):
    for line in lines:
        print(line, file=sys.stderr, flush=True)
    sys.exit(code)


def accelerate_failure(script):
    return [
        "Traceback (most recent call last):",
        '  File "/usr/local/bin/accelerate", line 8, in <module>',
        f"subprocess.CalledProcessError: Command '['/usr/bin/python3', '{script}', '--config_file', 'args.toml']' returned non-zero exit status 1.",
    ]


def format_num(value):
    """tqdm's format_num: 3 significant digits, shortest form."""
    f = "{0:.3g}".format(value).replace("+0", "+").replace("-0", "-")
    n = str(value)
    return f if len(f) < len(n) else n


def format_interval(seconds):
    minutes, s = divmod(int(seconds), 60)
    h, m = divmod(minutes, 60)
    return f"{h:d}:{m:02d}:{s:02d}" if h else f"{m:02d}:{s:02d}"


def bar(step, total, elapsed, postfix, label="steps"):
    percent = int(100 * step / total) if total else 0
    filled = int(10 * step / total) if total else 0
    rate = step / elapsed if elapsed > 0 else 0
    remaining = format_interval((total - step) / rate) if rate > 0 else "?"
    rate_text = f"{rate:5.2f}it/s" if rate > 0 else "?it/s"
    tail = f", {postfix}" if postfix else ""
    return f"{label}: {percent:3d}%|{'█' * filled}{' ' * (10 - filled)}| {step}/{total} [{format_interval(elapsed)}<{remaining}, {rate_text}{tail}]"


# --- TensorBoard event file (TFRecord framing, masked CRC-32C, Event protobuf) ---

def _crc32c_table():
    table = []
    for i in range(256):
        crc = i
        for _ in range(8):
            crc = (crc >> 1) ^ 0x82F63B78 if crc & 1 else crc >> 1
        table.append(crc)
    return table


CRC_TABLE = _crc32c_table()


def masked_crc(data):
    crc = 0xFFFFFFFF
    for b in data:
        crc = CRC_TABLE[(crc ^ b) & 0xFF] ^ (crc >> 8)
    crc ^= 0xFFFFFFFF
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def varint(value):
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def field(number, wire, payload):
    key = varint((number << 3) | wire)
    if wire == 2:
        return key + varint(len(payload)) + payload
    return key + payload


class EventWriter:
    def __init__(self, logging_dir):
        run = datetime.datetime.now().strftime("%Y%m%d%H%M%S")
        folder = os.path.join(logging_dir, run, "network_train")
        os.makedirs(folder, exist_ok=True)
        name = f"events.out.tfevents.{int(time.time())}.{socket.gethostname()}.{os.getpid()}.0"
        self.file = open(os.path.join(folder, name), "wb")
        self.write(field(1, 1, struct.pack("<d", time.time())) + field(3, 2, b"brain.Event:2"))

    def write(self, event):
        header = struct.pack("<Q", len(event))
        self.file.write(header + struct.pack("<I", masked_crc(header)) + event + struct.pack("<I", masked_crc(event)))
        self.file.flush()

    def scalar(self, tag, value, step):
        summary_value = field(1, 2, tag.encode()) + field(2, 5, struct.pack("<f", value))
        self.write(field(1, 1, struct.pack("<d", time.time())) + field(2, 0, varint(step)) + field(5, 2, field(1, 2, summary_value)))


# --- safetensors ---

def write_safetensors(path, epoch, steps, loss, args):
    values = [math.sin(epoch * 7.0 + i) * loss for i in range(32)]
    tensors = struct.pack("<f", float(args.get("network_alpha", 1))) + struct.pack("<32f", *values)
    header = {
        "__metadata__": {
            "ss_epoch": str(epoch),
            "ss_steps": str(steps),
            "ss_output_name": str(args["output_name"]),
            "ss_network_dim": str(args.get("network_dim", 4)),
            "ss_network_module": str(args.get("network_module", "networks.lora")),
        },
        "lora_unet_mid_block_attentions_0.alpha": {"dtype": "F32", "shape": [], "data_offsets": [0, 4]},
        "lora_unet_mid_block_attentions_0.lora_down.weight": {"dtype": "F32", "shape": [4, 8], "data_offsets": [4, 132]},
    }
    encoded = json.dumps(header, separators=(",", ":")).encode()
    encoded += b" " * ((8 - len(encoded) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(encoded)) + encoded + tensors)


def nan_until_stopped(step, total, started, script):
    """One NaN poisons sd-scripts' moving average for good, and it trains on regardless: only being stopped ends it."""
    deadline = time.time() + 120
    while time.time() < deadline:
        step = min(step + 1, total - 1)
        sys.stderr.write("\r" + bar(step, total, time.time() - started, "avr_loss=nan"))
        sys.stderr.flush()
        time.sleep(0.1)
    fail(["the NaN run was never stopped"] + accelerate_failure(script))


# --- sample images ---

def png(width, height, rgb_of):
    """A truecolour PNG (signature, IHDR, one zlib IDAT, IEND), each chunk with its CRC-32."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    rows = b"".join(b"\x00" + b"".join(bytes(rgb_of(x, y)) for x in range(width)) for y in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def line_to_prompt(line):
    """train_util.line_to_prompt_dict: the text up to the first " --", then options by their short names."""
    parts = line.split(" --")
    prompt = {"prompt": parts[0]}
    for part in parts[1:]:
        key, _, value = part.partition(" ")
        value = value.strip()
        if key == "n":
            prompt["negative_prompt"] = value
        elif key == "w":
            prompt["width"] = int(value)
        elif key == "h":
            prompt["height"] = int(value)
        elif key == "d":
            prompt["seed"] = int(value)
        elif key == "s":
            prompt["sample_steps"] = max(1, min(1000, int(value)))
        elif key == "l":
            prompt["scale"] = float(value)
        elif key == "ss":
            prompt["sample_sampler"] = value
        else:
            log(f"Exception in parsing / 解析エラー: {part}", "train_util.py:5980")
    return prompt


def load_prompts(path):
    with open(path, encoding="utf-8") as f:
        lines = [line.strip() for line in f.readlines() if len(line.strip()) > 0 and line[0] != "#"]
    prompts = [line_to_prompt(line) for line in lines]
    for i, prompt in enumerate(prompts):
        prompt.setdefault("enum", i)
    return prompts


def sample_images(args, epoch, steps, prompts, fail_prompt, sample_seconds):
    log("")
    log(f"generating sample images at step / サンプル画像生成 ステップ: {steps}", "train_util.py:6035")
    folder = os.path.join(args["output_dir"], "sample")
    os.makedirs(folder, exist_ok=True)
    for prompt in prompts:
        width = max(64, prompt.get("width", 512) - prompt.get("width", 512) % 64)
        height = max(64, prompt.get("height", 512) - prompt.get("height", 512) % 64)
        seed = prompt.get("seed")
        for label, value in (("prompt", prompt["prompt"]), ("negative_prompt", prompt.get("negative_prompt")), ("height", height),
                             ("width", width), ("sample_steps", prompt.get("sample_steps", 30)), ("scale", prompt.get("scale", 7.5)),
                             ("sample_sampler", prompt.get("sample_sampler", args.get("sample_sampler", "ddim"))), ("seed", seed)):
            if value is not None:
                log(f"{label}: {value}", "train_util.py:6145")
        time.sleep(sample_seconds)
        idx = prompt["enum"]
        stamp = datetime.datetime.now().strftime("%Y%m%d%H%M%S")
        name = f"{args['output_name']}_e{epoch:06d}_{idx:02d}_{stamp}{'' if seed is None else '_' + str(seed)}.png"
        shade = (epoch * 53 + idx * 97 + (seed or 0)) % 256
        data = png(width // 16, height // 16, lambda x, y: ((x * 8 + shade) % 256, (y * 8 + epoch * 40) % 256, (idx * 80 + shade) % 256))
        if idx == fail_prompt:
            data = data[:len(data) // 2]
            log(f"sample image {idx} was cut short", "train_util.py:6200")
        with open(os.path.join(folder, name), "wb") as f:
            f.write(data)


# --- configuration ---

def load_args(path):
    with open(path, "rb") as f:
        config = tomllib.load(f)
    flat = {}
    for key, value in config.items():
        if isinstance(value, dict):
            flat.update(value)
        else:
            flat[key] = value
    return flat


def validate_dataset(config):
    def extra(keys, allowed, where):
        for key in keys:
            if key not in allowed:
                fail([
                    "Invalid user config / ユーザ設定の形式が正しくないようです",
                    "Traceback (most recent call last):",
                    f"voluptuous.error.MultipleInvalid: extra keys not allowed @ data{where}['{key}']",
                ])

    extra(config.keys(), {"general", "datasets"}, "")
    extra(config.get("general", {}).keys(), GENERAL_KEYS, "['general']")
    for i, dataset in enumerate(config.get("datasets", [])):
        extra(dataset.keys(), DATASET_KEYS, f"['datasets'][{i}]")
        for j, subset in enumerate(dataset.get("subsets", [])):
            extra(subset.keys(), SUBSET_KEYS, f"['datasets'][{i}]['subsets'][{j}]")


def validation_split(args, dataset_config):
    """The validation share as sd-scripts resolves it (dataset, then general, then arguments); it must be a float."""
    for source in [*dataset_config.get("datasets", []), dataset_config.get("general", {}), args]:
        if "validation_split" in source:
            split = source["validation_split"]
            if not isinstance(split, float):
                fail([
                    "Invalid cmdline parsed arguments. This should be a bug. / コマンドラインのパース結果が正しくないようです。プログラムのバグの可能性が高いです。",
                    "Traceback (most recent call last):",
                    "voluptuous.error.MultipleInvalid: expected float for dictionary value @ data['validation_split']",
                ])
            return split if 0.0 < split < 1.0 else 0.0
    return 0.0


def validate(writer, epoch, epochs_mean, val_images, batch_size, started):
    """sd-scripts' end-of-epoch validation: 4 timesteps per validation batch, a tqdm bar, then the epoch's mean."""
    total = math.ceil(val_images / batch_size) * 4
    average = 0.0
    for i in range(total):
        # Symmetric around the mean, in pairs, so the final running mean is the mean.
        loss = epochs_mean + (0.01 * epochs_mean if i % 2 == 0 else -0.01 * epochs_mean)
        average += (loss - average) / (i + 1)
        timestep = [200, 400, 600, 800][i % 4]
        sys.stderr.write("\r" + bar(i + 1, total, time.time() - started, f"val_epoch_avg_loss={format_num(average)}, timestep={timestep}", "epoch validation steps"))
        sys.stderr.flush()
    sys.stderr.write("\n")
    sys.stderr.flush()
    if writer:
        writer.scalar("loss/validation/epoch_average", epochs_mean, epoch)


def check_text_encoder_caching(script, args):
    """Each script's own rule for cached text-encoder outputs; train_network.py has no such argument at all."""
    if script == "sdxl_train_network.py":
        # sdxl_train_network.py's assert_extra_args: the text encoders cannot train on their cached outputs.
        if args.get("cache_text_encoder_outputs") and not args.get("network_train_unet_only"):
            fail(["AssertionError: network for Text Encoder cannot be trained with caching Text Encoder outputs / "
                  "Text Encoderの出力をキャッシュしながらText Encoderのネットワークを学習することはできません"] + accelerate_failure(script))
    elif script == "flux_train_network.py":
        # flux_train_network.py caches while CLIP-L trains; it refuses only when the network trains T5XXL, which
        # lora_flux reads from network_args as train_t5xxl=True (exactly "True"). Caching to disk implies caching.
        caches = args.get("cache_text_encoder_outputs") or args.get("cache_text_encoder_outputs_to_disk")
        trains_t5xxl = any(str(a).split("=", 1) == ["train_t5xxl", "True"] for a in args.get("network_args") or [])
        if caches and trains_t5xxl:
            fail(["ValueError: T5XXL is trained, so cache_text_encoder_outputs cannot be used / "
                  "T5XXL学習時はcache_text_encoder_outputsは使用できません"] + accelerate_failure(script))


def save_state(folder, epoch, step, loss):
    """train_util.save_and_remove_state_on_epoch_end / save_state_on_train_end: the pre-save hook writes
    train_state.json first, then accelerate writes the model, optimizer, scheduler and RNG files."""
    os.makedirs(folder, exist_ok=True)
    train_state = os.path.join(folder, "train_state.json")
    log(f"save train state to {train_state} at epoch {epoch} step {step}", "train_network.py:1171")
    with open(train_state, "w") as f:
        json.dump({"current_epoch": epoch, "current_step": step}, f)
    for name in STATE_FILES:
        with open(os.path.join(folder, name), "wb") as f:
            f.write(struct.pack("<id", epoch, loss) * 256)


def resume_state(args):
    """train_network.py's resume: accelerate loads the folder, train_state.json gives the epoch to start after and
    the step count; a missing folder fails as accelerate's load_state does."""
    folder = args["resume"]
    log(f"resume training from local state: {folder}", "train_util.py:4563")
    missing = [n for n in ("train_state.json",) + STATE_FILES if not os.path.isfile(os.path.join(folder, n))]
    if missing:
        fail([f"FileNotFoundError: [Errno 2] No such file or directory: '{os.path.join(folder, missing[0])}'"] + accelerate_failure("train_network.py"))
    with open(os.path.join(folder, "train_state.json")) as f:
        state = json.load(f)
    log(f"load train state from {folder}/train_state.json: {state}", "train_network.py:1186")
    return int(state["current_epoch"]), int(state["current_step"])


def record_epoch(epoch):
    """The stand-in's own ledger of epochs trained, across processes, for tests that count what a retry cost."""
    ledger = os.environ.get("FAKE_SD_SCRIPTS_EPOCH_LEDGER")
    if ledger:
        with open(ledger, "a") as f:
            f.write(f"{epoch}\n")


def control(args, name, default):
    value = getattr(args, name)
    if value is None:
        value = os.environ.get(name.upper().replace("FAKE_", "FAKE_SD_SCRIPTS_"), default)
    return value


def main():
    parser = argparse.ArgumentParser(prog=os.path.basename(sys.argv[0]))
    parser.add_argument("--script", default="train_network.py")
    parser.add_argument("--config_file")
    parser.add_argument("--dataset_config")
    parser.add_argument("--fake_losses")
    parser.add_argument("--fake_validation_losses")
    parser.add_argument("--fake_mode")
    parser.add_argument("--fake_fail_epoch")
    parser.add_argument("--fake_step_seconds")
    parser.add_argument("--fake_sample_fail_prompt")
    parser.add_argument("--fake_sample_seconds")
    cli = parser.parse_args()  # an unknown argument ends with "error: unrecognized arguments", exit 2, like sd-scripts

    losses = [float(x) for x in str(control(cli, "fake_losses", "0.14,0.11,0.09,0.10")).split(",")]
    validation_losses = [float(x) for x in str(control(cli, "fake_validation_losses", ",".join(str(1.1 * x) for x in losses))).split(",")]
    mode = control(cli, "fake_mode", "ok")
    fail_epoch = int(control(cli, "fake_fail_epoch", "2"))
    step_seconds = float(control(cli, "fake_step_seconds", "0.001"))
    sample_fail_prompt = int(control(cli, "fake_sample_fail_prompt", "-1"))
    sample_seconds = float(control(cli, "fake_sample_seconds", "0"))
    script = cli.script

    log(f"Loading settings from {cli.config_file}...", "train_util.py:4744")
    args = load_args(cli.config_file)
    dataset_config_path = cli.dataset_config or args.get("dataset_config")
    for name in NUMERIC_ARGS:
        if isinstance(args.get(name), str):
            fail([f"TypeError: '<' not supported between instances of 'str' and 'int' ({name})"] + accelerate_failure(script))
    for name in ("pretrained_model_name_or_path", "output_dir", "output_name"):
        if name not in args:
            fail([f"ValueError: {name} is required"] + accelerate_failure(script))
    if not os.path.isfile(args["pretrained_model_name_or_path"]):
        fail([f"FileNotFoundError: {args['pretrained_model_name_or_path']}"] + accelerate_failure(script))
    if script == "flux_train_network.py":
        # flux_train_network.py loads the two text encoders and the autoencoder from single files.
        for name in ("clip_l", "t5xxl", "ae"):
            if name not in args:
                fail([f"ValueError: {name} is required"] + accelerate_failure(script))
            if not os.path.isfile(args[name]):
                fail([f"FileNotFoundError: {args[name]}"] + accelerate_failure(script))
    check_text_encoder_caching(script, args)

    with open(dataset_config_path, "rb") as f:
        dataset_config = tomllib.load(f)
    validate_dataset(dataset_config)
    log(f"Loading dataset config from {dataset_config_path}", "train_network.py:304")

    split = validation_split(args, dataset_config)
    images = 0
    val_images = 0
    batch_size = 1
    for dataset in dataset_config.get("datasets", []):
        batch_size = dataset.get("batch_size", dataset_config.get("general", {}).get("batch_size", 1))
        for subset in dataset.get("subsets", []):
            folder = subset["image_dir"]
            count = sum(1 for n in os.listdir(folder) if os.path.splitext(n)[1].lower() in IMAGE_EXTENSIONS)
            held_out = round(count * split) if split else 0
            images += math.ceil(count * (1 - split)) * subset.get("num_repeats", 1)
            val_images += held_out * subset.get("num_repeats", 1)
            # Latent caches are written next to the images.
            with open(os.path.join(folder, ".fake_latent_cache"), "w") as cache:
                cache.write("cache")

    if images == 0 or mode == "no_data":
        log("No data found. Please verify arguments (train_data_dir must be the parent of folders with images) / "
            "画像がありません。引数指定を確認してください（train_data_dirには画像があるフォルダではなく、画像があるフォルダの親フォルダを指定する必要があります）",
            "train_network.py:498")
        return 0

    epochs = int(args.get("max_train_epochs", 1))
    steps_per_epoch = math.ceil(images / batch_size)
    total = epochs * steps_per_epoch
    first_epoch, initial_step = resume_state(args) if args.get("resume") else (0, 0)
    if initial_step >= total > 0:
        fail([f"AssertionError: max_train_steps should be greater than initial step: {total} <= {initial_step}"] + accelerate_failure(script))
    log(f"num train images * repeats / 学習画像の数×繰り返し回数: {images}", "train_network.py:1073")
    print(f"  num validation images * repeats / 学習画像の数×繰り返し回数: {val_images}", flush=True)
    log(f"num batches per epoch / 1epochのバッチ数: {steps_per_epoch}", "train_network.py:1075")
    log(f"num epochs / epoch数: {epochs}", "train_network.py:1076")
    log(f"total optimization steps / 学習ステップ数: {total}", "train_network.py:1083")

    output_dir = args["output_dir"]
    name = args["output_name"]
    os.makedirs(output_dir, exist_ok=True)
    writer = EventWriter(args["logging_dir"]) if args.get("log_with") == "tensorboard" and args.get("logging_dir") else None
    save_every = int(args.get("save_every_n_epochs", 0) or 0)
    keep_states = int(args.get("save_last_n_epochs_state", 0) or 0)
    validate_every = int(args.get("validate_every_n_epochs", 0) or 0)

    prompts = load_prompts(args["sample_prompts"]) if args.get("sample_prompts") else []
    sample_every = int(args.get("sample_every_n_epochs", 0) or 0)
    if prompts and args.get("sample_at_first"):
        sample_images(args, 0, 0, prompts, sample_fail_prompt, sample_seconds)

    window = [0.0] * steps_per_epoch  # sd-scripts' LossRecorder: the mean over the last epoch's worth of steps
    window_total = 0.0
    started = time.time()
    step = 0
    global_step = initial_step
    sys.stderr.write("\r" + bar(0, total, 0, ""))
    sys.stderr.flush()
    # Resumed, epoch numbering continues after the saved epoch; the steps bar still counts from 0 of the full total.
    for epoch in range(first_epoch + 1, epochs + 1):
        print(f"\nepoch {epoch}/{epochs}", flush=True)
        mean = losses[min(epoch, len(losses)) - 1]
        for i in range(steps_per_epoch):
            if mode == "oom" and epoch == fail_epoch and i == 1:
                sys.stderr.write("\n")
                fail(["Traceback (most recent call last):",
                      "torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB. GPU 0 has a total capacity of 23.65 GiB of which 1.12 GiB is free."]
                     + accelerate_failure(script))
            if mode == "sigkill" and epoch == fail_epoch and i == 1:
                sys.stderr.write("\n")
                fail([f"subprocess.CalledProcessError: Command '['/usr/bin/python3', '{script}']' died with <Signals.SIGKILL: 9>."])
            if mode == "killed" and epoch == fail_epoch and i == 1:
                os.kill(os.getpid(), signal.SIGKILL)
            if mode == "nan_latents" and epoch == fail_epoch and i == 1:
                sys.stderr.write("\n")
                fail(["RuntimeError: NaN detected in latents: /workspace/lora-run/dataset/images/img_001.png"] + accelerate_failure(script))

            if mode == "nan" and epoch == fail_epoch and i == 1:
                nan_until_stopped(step, total, started, script)
            loss = mean + 0.1 * mean * ((i - (steps_per_epoch - 1) / 2) / steps_per_epoch)
            window_total += loss - window[i]
            window[i] = loss
            step += 1
            global_step += 1
            average = window_total / (i + 1 if epoch == first_epoch + 1 else steps_per_epoch)
            time.sleep(step_seconds)
            sys.stderr.write("\r" + bar(step, total, time.time() - started, f"avr_loss={format_num(average)}"))
            sys.stderr.flush()
            if writer:
                writer.scalar("loss/current", loss, step)
                writer.scalar("loss/average", average, step)

        if val_images > 0 and (not validate_every or epoch % validate_every == 0):
            validate(writer, epoch, validation_losses[min(epoch, len(validation_losses)) - 1], val_images, batch_size, started)
        if writer:
            writer.scalar("loss/epoch_average", mean, epoch)
        if save_every and epoch % save_every == 0 and epoch < epochs:
            path = os.path.join(output_dir, f"{name}-{epoch:06d}.safetensors")
            print(f"\nsaving checkpoint: {path}", flush=True)
            write_safetensors(path, epoch, global_step, mean, args)
            if args.get("save_state"):
                log(f"saving state at epoch {epoch}", "train_util.py:5011")
                save_state(os.path.join(output_dir, f"{name}-{epoch:06d}-state"), epoch, global_step, mean)
                old = epoch - save_every * keep_states
                if keep_states and old > 0:
                    stale = os.path.join(output_dir, f"{name}-{old:06d}-state")
                    if os.path.isdir(stale):
                        log(f"removing old state: {stale}", "train_util.py:5026")
                        shutil.rmtree(stale)
        record_epoch(epoch)
        if prompts and sample_every and epoch % sample_every == 0:
            sample_images(args, epoch, step, prompts, sample_fail_prompt, sample_seconds)

    sys.stderr.write("\n")
    if mode == "no_model_saved":
        return 0
    if args.get("save_state") or args.get("save_state_on_train_end"):
        log("saving last state.", "train_network.py:1466")
        save_state(os.path.join(output_dir, f"{name}-state"), epochs, global_step, losses[min(epochs, len(losses)) - 1])
    path = os.path.join(output_dir, f"{name}.safetensors")
    print(f"\nsaving checkpoint: {path}", flush=True)
    write_safetensors(path, epochs, global_step, losses[min(epochs, len(losses)) - 1], args)
    log("model saved.", "train_network.py:1481")
    return 0


if __name__ == "__main__":
    sys.exit(main())
