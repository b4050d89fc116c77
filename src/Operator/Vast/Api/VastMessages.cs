using System.Text.Json.Serialization;

namespace LoraTrainer.Operator.Vast.Api;

/// <summary>Body of <c>PUT /api/v0/asks/{id}/</c>.</summary>
/// <remarks><see cref="Env"/> holds the run token and <see cref="ImageLogin"/> a registry token, so this type never prints them.</remarks>
internal sealed record VastCreateRequest
{
    /// <summary>Always <c>me</c>: the instance belongs to the key's account.</summary>
    public string ClientId { get; init; } = "me";

    /// <summary>The container image.</summary>
    public required string Image { get; init; }

    /// <summary>Disk to allocate in GB.</summary>
    public required int Disk { get; init; }

    /// <summary>The label the operator finds the instance by.</summary>
    public required string Label { get; init; }

    /// <summary>Environment variables of the container.</summary>
    public required IReadOnlyDictionary<string, string> Env { get; init; }

    /// <summary><c>args</c> keeps the image's entrypoint.</summary>
    public string Runtype { get; init; } = "args";

    /// <summary>Arguments to the entrypoint; none.</summary>
    public IReadOnlyList<string> Args { get; init; } = [];

    /// <summary>Answer an error instead of creating a stopped instance when the offer is gone.</summary>
    public bool CancelUnavail { get; init; } = true;

    /// <summary>Bid in USD per hour; set only for interruptible instances.</summary>
    public double? Price { get; init; }

    /// <summary>Registry login (<c>-u user -p token registry</c>) for private images.</summary>
    public string? ImageLogin { get; init; }

    /// <inheritdoc />
    public override string ToString() => $"VastCreateRequest {{ Image = {Image}, Disk = {Disk}, Label = {Label}, Env = [{string.Join(", ", Env.Keys)}] }}";
}

/// <summary>Answer of create; a failed answer may still carry <see cref="NewContract"/>.</summary>
internal sealed record VastCreateResponse : IVastAnswer
{
    /// <summary>Whether Vast reports success.</summary>
    public bool? Success { get; init; }

    /// <summary>The new instance id.</summary>
    public long? NewContract { get; init; }

    /// <summary>A restricted key valid for this instance only; never logged.</summary>
    public string? InstanceApiKey { get; init; }

    /// <summary>Error code such as <c>invalid_args</c>.</summary>
    public string? Error { get; init; }

    /// <summary>Human-readable error.</summary>
    public string? Msg { get; init; }

    /// <inheritdoc />
    public override string ToString() => $"VastCreateResponse {{ Success = {Success}, NewContract = {NewContract}, Error = {Error}, Msg = {Msg} }}";
}

/// <summary>Answer of show: ONE instance under the plural key, or null once it is gone.</summary>
internal sealed record VastShowResponse : IVastAnswer
{
    /// <summary>The instance, or null when it no longer exists.</summary>
    [JsonConverter(typeof(SingleOrFirstConverter<VastInstance>))]
    public VastInstance? Instances { get; init; }

    /// <summary>Whether Vast reports success.</summary>
    public bool? Success { get; init; }

    /// <summary>Vast's error code, when it refused.</summary>
    public string? Error { get; init; }

    /// <summary>Vast's human-readable error, when it refused.</summary>
    public string? Msg { get; init; }
}

/// <summary>A page of the instance listing.</summary>
internal sealed record VastInstanceList : IVastAnswer
{
    /// <summary>Whether Vast reports success.</summary>
    public bool? Success { get; init; }

    /// <summary>Vast's error code, when it refused.</summary>
    public string? Error { get; init; }

    /// <summary>Vast's human-readable error, when it refused.</summary>
    public string? Msg { get; init; }

    /// <summary>The instances on this page.</summary>
    public IReadOnlyList<VastInstance>? Instances { get; init; }

    /// <summary>Token for the next page; null or empty on the last.</summary>
    [JsonConverter(typeof(TrimmedStringConverter))]
    public string? NextToken { get; init; }
}

/// <summary>A plain success answer.</summary>
internal sealed record VastSuccess : IVastAnswer
{
    /// <summary>Whether Vast reports success.</summary>
    public bool? Success { get; init; }

    /// <summary>Vast's error code, when it refused.</summary>
    public string? Error { get; init; }

    /// <summary>Vast's human-readable error, when it refused.</summary>
    public string? Msg { get; init; }
}

/// <summary>The empty object Vast expects as the body of destroy.</summary>
internal sealed record VastEmptyBody
{
    /// <summary>The one instance.</summary>
    public static VastEmptyBody Instance { get; } = new();
}

/// <summary>Body that changes an instance's label.</summary>
internal sealed record VastLabelRequest(string Label);

/// <summary>The listing's <c>select_filters</c> that keeps only instances with one of the given labels: <c>{"label":{"in":[…]}}</c>.</summary>
internal sealed record VastInstanceFilter(VastLabelIn Label);

/// <summary>The <c>in</c> clause of <see cref="VastInstanceFilter"/>.</summary>
internal sealed record VastLabelIn(IReadOnlyList<string> In);
