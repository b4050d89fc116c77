namespace LoraTrainer.Protocol;

/// <summary>
/// sd-scripts' saved training state (model, optimizer, scheduler and RNG, plus <c>train_state.json</c>): how often the
/// agent uploads it, where, and the state a retried attempt starts from.
/// </summary>
/// <remarks>Added within v1: an agent that predates it saves no state, an operator that predates it sends none.</remarks>
public sealed record StatePlan
{
    /// <summary>Upload the state of every this many epochs (1: each one). Defaults to 1.</summary>
    public int EveryNEpochs { get; set; } = 1;

    /// <summary>The multipart upload the next state goes to; null while the operator has none open (the state is then kept only on the GPU's disk).</summary>
    public MultipartUploadTarget? Upload { get; init; }

    /// <summary>The newest state an earlier attempt uploaded, to continue from; null for a clean start.</summary>
    public SavedStateSource? Restore { get; init; }
}

/// <summary>A saved state in the bucket: a tar of sd-scripts' state folder.</summary>
public sealed record SavedStateSource
{
    /// <summary>The epoch the state was saved at; training continues with the next one.</summary>
    public int Epoch { get; init; }
    /// <summary>Presigned GET of the tar.</summary>
    public string Url { get; set; } = "";
    /// <summary>The tar's size in bytes.</summary>
    public long Bytes { get; init; }
    /// <summary>The tar's lowercase hex SHA-256; a mismatch means a clean start.</summary>
    public string Sha256 { get; set; } = "";
    /// <summary>
    /// The epoch files earlier attempts kept in the bucket, up to <see cref="Epoch"/>, with the losses they were
    /// trained to: the best epoch is chosen among these and the epochs trained after them, and one chosen from here
    /// is downloaded (checked against its SHA-256) to be uploaded as the result.
    /// </summary>
    /// <remarks>Added within v1: an agent that predates it chooses among the epochs it trained itself.</remarks>
    public IReadOnlyList<EpochDownload> Epochs { get; set; } = [];
}

/// <summary>One epoch's LoRA file kept by an earlier attempt: a presigned GET, what the file must be, and the epoch's losses.</summary>
public sealed record EpochDownload
{
    /// <summary>The epoch number.</summary>
    public int Epoch { get; init; }
    /// <summary>Presigned GET URL.</summary>
    public string Url { get; set; } = "";
    /// <summary>The file's size in bytes.</summary>
    public long Bytes { get; init; }
    /// <summary>The file's lowercase hex SHA-256, as the attempt that uploaded it reported.</summary>
    public string Sha256 { get; set; } = "";
    /// <summary>The epoch's mean training loss.</summary>
    public double Loss { get; init; }
    /// <summary>The epoch's mean validation loss, when the run validated it.</summary>
    public double? ValidationLoss { get; init; }
}
