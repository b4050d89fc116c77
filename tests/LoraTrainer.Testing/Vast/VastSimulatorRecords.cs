namespace LoraTrainer.Testing.Vast;

/// <summary>A request the simulator answered.</summary>
/// <param name="At">When it arrived, on the network clock.</param>
/// <param name="Method">The HTTP method.</param>
/// <param name="Path">The path.</param>
/// <param name="Query">The raw query string.</param>
/// <param name="Route">The endpoint.</param>
/// <param name="Body">The raw body.</param>
/// <param name="Status">The status answered.</param>
/// <param name="BearerAuth">Whether the key came as <c>Authorization: Bearer</c>.</param>
/// <param name="KeyInQuery">Whether a key came as <c>?api_key=</c> (a client should never do that).</param>
public sealed record VastRecordedRequest(DateTimeOffset At, string Method, string Path, string Query, VastRoute Route, string Body, int Status, bool BearerAuth, bool KeyInQuery);

/// <summary>A simulated instance as tests see it.</summary>
public sealed record VastInstanceSnapshot(
    long Id, long OfferId, long MachineId, string? Label, string? ActualStatus, string IntendedStatus, string CurState, string NextState,
    string? StatusMsg, string Image, int DiskGb, IReadOnlyDictionary<string, string> Env, DateTimeOffset CreatedAt, DateTimeOffset? DestroyedAt);

/// <summary>An instance that just reached running, with the environment its container sees.</summary>
/// <param name="InstanceId">The instance id.</param>
/// <param name="Label">Its label.</param>
/// <param name="Image">Its image.</param>
/// <param name="Environment">The env given at creation plus what Vast injects (<c>CONTAINER_ID</c>, <c>CONTAINER_API_KEY</c>).</param>
/// <param name="Offer">The offer it was rented from: the machine and GPU its container runs on.</param>
public sealed record VastRunningInstance(long InstanceId, string? Label, string Image, IReadOnlyDictionary<string, string> Environment, SimulatedOffer Offer);

/// <summary>The bill so far: storage for every second an instance exists, GPU for every second it runs.</summary>
/// <param name="Dollars">Total USD.</param>
/// <param name="InstanceSeconds">Seconds instances existed, summed.</param>
/// <param name="GpuSeconds">Seconds instances ran, summed.</param>
/// <param name="AliveInstances">Instances not destroyed.</param>
/// <param name="Instances">Per instance, destroyed ones included.</param>
public sealed record VastCostReport(double Dollars, double InstanceSeconds, double GpuSeconds, int AliveInstances, IReadOnlyList<VastInstanceCost> Instances);

/// <summary>The bill of one instance.</summary>
public sealed record VastInstanceCost(long InstanceId, string? Label, double InstanceSeconds, double GpuSeconds, double Dollars, bool Alive);
