using k8s.Models;
using LoraTrainer.Api;

namespace LoraTrainer.Testing.Builders;

/// <summary>Builds TrainingRuns for tests: a valid SDXL run by default, changed one aspect at a time.</summary>
public sealed class TrainingRunBuilder
{
    private string _name = "portrait";
    private string _namespace = "ml-team";
    private long _generation = 1;
    private TrainingRunSpec _spec = new()
    {
        BaseModel = new BaseModelSpec { Civitai = new CivitaiModelSource { ModelVersionId = 128078 } },
        Dataset = new DatasetSpec { S3 = new S3Location { Bucket = "training-images", Prefix = "people/anna/" }, TriggerWord = "ohwx", ClassTokens = "woman" },
        Output = new OutputSpec { S3 = new S3Location { Bucket = "trained-loras", Prefix = "loras/anna/" } },
    };
    private TrainingRunStatus? _status;

    /// <summary>Sets the name and namespace.</summary>
    public TrainingRunBuilder Named(string name, string @namespace = "ml-team")
    {
        _name = name;
        _namespace = @namespace;
        return this;
    }

    /// <summary>Sets metadata.generation.</summary>
    public TrainingRunBuilder WithGeneration(long generation)
    {
        _generation = generation;
        return this;
    }

    /// <summary>Changes the spec.</summary>
    public TrainingRunBuilder WithSpec(Func<TrainingRunSpec, TrainingRunSpec> change)
    {
        _spec = change(_spec);
        return this;
    }

    /// <summary>Sets the backoff limit.</summary>
    public TrainingRunBuilder WithBackoffLimit(int limit) =>
        WithSpec(s => s with { RunPolicy = (s.RunPolicy ?? new RunPolicySpec()) with { BackoffLimit = limit } });

    /// <summary>Sets the status as-is.</summary>
    public TrainingRunBuilder WithStatus(TrainingRunStatus? status)
    {
        _status = status;
        return this;
    }

    /// <summary>Puts the run in <paramref name="phase"/> with a GPU, an attempt and (in training) an uploaded output.</summary>
    public TrainingRunBuilder InPhase(TrainingPhase phase, int attempt = 1, DateTimeOffset? since = null)
    {
        var at = since ?? new DateTimeOffset(2026, 11, 25, 10, 0, 0, TimeSpan.Zero);
        _status = new TrainingRunStatus
        {
            Phase = phase,
            Attempt = phase == TrainingPhase.Pending ? 0 : attempt,
            // A run built here reached its attempt by retries: every earlier attempt stalled (and a stalled one, this one too).
            Stalls = phase == TrainingPhase.Stalled ? attempt : Math.Max(0, attempt - 1),
            StartTime = at,
            PhaseStartTime = at,
            Gpu = phase == TrainingPhase.Pending ? null : new GpuStatus { InstanceId = "7835610", OfferId = "5520193", MachineId = "11032", GpuName = "RTX 4090", PricePerHour = 0.41, AllocatedAt = at },
            Interruption = phase == TrainingPhase.Interrupted ? new InterruptionStatus { PausedAt = at, Phase = TrainingPhase.Training } : null,
            Output = phase == TrainingPhase.Training
                ? new OutputStatus { Uri = "s3://trained-loras/loras/anna/portrait.safetensors", Epoch = 7, Loss = 0.0902, Bytes = 1000 }
                : null,
        };
        return this;
    }

    /// <summary>The run.</summary>
    public TrainingRun Build() => new()
    {
        Metadata = new V1ObjectMeta { Name = _name, NamespaceProperty = _namespace, Generation = _generation, Uid = $"uid-{_namespace}-{_name}" },
        Spec = _spec,
        Status = _status,
    };
}
