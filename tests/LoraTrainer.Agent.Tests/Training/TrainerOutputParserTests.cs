using LoraTrainer.Agent.Training.Output;

namespace LoraTrainer.Agent.Tests.Training;

public sealed class TrainerOutputParserTests
{
    public static TheoryData<string, string?> Lines => new()
    {
        // Start lines, with the rich logging prefix and the source suffix sd-scripts prints.
        { "2026-01-05 10:00:01 INFO     num epochs / epoch数: 10                       train_network.py:1076", "EpochCountAnnounced { Epochs = 10 }" },
        { "                    INFO     total optimization steps / 学習ステップ数: 4000      train_network.py:1083", "TotalStepsAnnounced { Steps = 4000 }" },
        { "num epochs / epoch数: 3", "EpochCountAnnounced { Epochs = 3 }" },
        // Progress bars.
        { "steps:  10%|█         | 195/1950 [31:37<4:44:34,  9.73s/it, avr_loss=0.126]", "StepProgress { Percent = 10, Step = 195, TotalSteps = 1950, Elapsed = 00:31:37, Remaining = 04:44:34, AverageLoss = 0.126 }" },
        { "steps:   0%|          | 0/1950 [00:00<?, ?it/s]", "StepProgress { Percent = 0, Step = 0, TotalSteps = 1950, Elapsed = 00:00:00, Remaining = , AverageLoss =  }" },
        { "steps:  50%|█████     | 5/10 [00:01<00:01,  4.10it/s, lr=0.0001, avr_loss=0.0812]", "StepProgress { Percent = 50, Step = 5, TotalSteps = 10, Elapsed = 00:00:01, Remaining = 00:00:01, AverageLoss = 0.0812 }" },
        { "steps:  51%|█████     | 6/10 [00:01<00:01,  4.10it/s, avr_loss=9.5e-5]", "StepProgress { Percent = 51, Step = 6, TotalSteps = 10, Elapsed = 00:00:01, Remaining = 00:00:01, AverageLoss = 9.5E-05 }" },
        { "steps:  52%|█████     | 7/10 [00:02<00:01,  4.10it/s, avr_loss=1.2e+3]", "StepProgress { Percent = 52, Step = 7, TotalSteps = 10, Elapsed = 00:00:02, Remaining = 00:00:01, AverageLoss = 1200 }" },
        { "steps:  60%|██████    | 6/10 [00:01<00:01,  4.10it/s, avr_loss=nan]", "StepProgress { Percent = 60, Step = 6, TotalSteps = 10, Elapsed = 00:00:01, Remaining = 00:00:01, AverageLoss = NaN }" },
        // Validation bars are not training progress; the end-of-epoch one carries the epoch's validation mean.
        { "validation steps:  40%|████      | 2/5 [00:00<00:00,  9.1it/s, val_avg_loss=0.2, timestep=400]", null },
        { "epoch validation steps: 100%|██████████| 5/5 [00:00<00:00,  9.9it/s, val_epoch_avg_loss=0.19]", "EpochValidationProgress { Step = 5, TotalSteps = 5, AverageLoss = 0.19 }" },
        { "epoch validation steps:  50%|█████     | 4/8 [00:02<00:02,  1.9it/s, val_epoch_avg_loss=0.0812, timestep=800]", "EpochValidationProgress { Step = 4, TotalSteps = 8, AverageLoss = 0.0812 }" },
        { "epoch validation steps:   0%|          | 0/8 [00:00<?, ?it/s]", "EpochValidationProgress { Step = 0, TotalSteps = 8, AverageLoss =  }" },
        // Epochs, saving, finishing.
        { "epoch 3/10", "EpochStarted { Epoch = 3, TotalEpochs = 10 }" },
        { "saving checkpoint: /workspace/lora-run/output/anna-000003.safetensors", "CheckpointSaving { Path = /workspace/lora-run/output/anna-000003.safetensors }" },
        { "2026-01-05 10:10:00 INFO     saving checkpoint: /workspace/lora-run/output/anna.safetensors       train_network.py:1200", "CheckpointSaving { Path = /workspace/lora-run/output/anna.safetensors }" },
        { "2026-01-05 10:10:01 INFO     model saved.                                  train_network.py:1481", "ModelSaved { }" },
        // Noise.
        { "[W socket.cpp:663] [c10d] The client socket has failed to connect to [localhost]:29500", null },
        { "2026-01-05 10:00:00 INFO     Loading settings from /workspace/lora-run/args.toml...      train_util.py:4744", null },
        { "epoch is incremented. current_epoch: 0, epoch: 1", null },
        { "override steps. steps for 10 epochs is / 指定エポックまでのステップ数: 4000", null },
    };

    [Theory]
    [MemberData(nameof(Lines))]
    public void Parse_RecognisesWhatSdScriptsPrints(string line, string? expected)
    {
        var signal = TrainerOutputParser.Parse(line);

        Assert.Equal(expected, signal?.ToString());
    }

    public static TheoryData<string, string> FailureLines => new()
    {
        { "torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB.", "cuda-oom" },
        { "RuntimeError: CUDA out of memory. Tried to allocate 20.00 MiB", "cuda-oom" },
        { "subprocess.CalledProcessError: Command '['python', 'train_network.py']' died with <Signals.SIGKILL: 9>.", "killed" },
        { "subprocess.CalledProcessError: Command '['python', 'train_network.py']' returned non-zero exit status 1.", "non-zero-exit" },
        { "RuntimeError: NaN detected in latents: /workspace/lora-run/images/a.png", "nan-latents" },
        { "voluptuous.error.MultipleInvalid: extra keys not allowed @ data['datasets'][0]['reso']", "dataset-config" },
        { "train_network.py: error: unrecognized arguments: --fast", "unrecognized-arguments" },
        { "AssertionError: network for Text Encoder cannot be trained with caching Text Encoder outputs", "text-encoder-caching" },
        { "2026-01-05 10:00:00 INFO     No data found. Please verify arguments (train_data_dir must be the parent of folders with images)", "no-data" },
    };

    [Theory]
    [MemberData(nameof(FailureLines))]
    public void Parse_RecognisesEveryFailureSignature(string line, string code)
    {
        var signal = Assert.IsType<FailureSeen>(TrainerOutputParser.Parse(line));

        Assert.Equal(code, signal.Failure.Code);
        Assert.Equal(line, signal.Line);
    }

    [Theory]
    [InlineData("0.126", 0.126)]
    [InlineData("0.0812", 0.0812)]
    [InlineData("9.5e-5", 9.5e-5)]
    [InlineData("1.2e+3", 1200)]
    [InlineData("3", 3)]
    public void ParseLoss_ReadsTqdmNumbers(string text, double expected)
    {
        Assert.Equal(expected, TrainerOutputParser.ParseLoss(text));
    }

    [Fact]
    public void ParseLoss_ReadsNanAsNaN()
    {
        Assert.True(double.IsNaN(TrainerOutputParser.ParseLoss("nan")!.Value));
    }
}
