namespace LoraTrainer.Operator.Vast;

/// <summary>How one create call ended.</summary>
internal enum VastCreateOutcomeKind
{
    /// <summary>Vast rented the offer; <see cref="VastCreateOutcome.InstanceId"/> is set.</summary>
    Created,

    /// <summary>The offer was taken between search and create (<c>no_such_ask</c>, 404 or 410): try the next one.</summary>
    OfferGone,

    /// <summary>Vast refused the request (e.g. 400 <c>invalid_args</c>); sending it again will not help.</summary>
    Refused,

    /// <summary>No answer (timeout, 5xx, broken connection): an instance may or may not exist.</summary>
    Lost,
}

/// <summary>The outcome of one create call, with any instance a failed answer still carried (<c>new_contract</c>).</summary>
internal sealed record VastCreateOutcome(VastCreateOutcomeKind Kind, long? InstanceId, long? StrayInstanceId, int? StatusCode, string? ErrorCode, string Detail)
{
    /// <summary>The offer was rented as instance <paramref name="instanceId"/>.</summary>
    public static VastCreateOutcome Created(long instanceId) => new(VastCreateOutcomeKind.Created, instanceId, null, 200, null, "created");

    /// <summary>The offer is gone; <paramref name="stray"/> is an instance the failed answer still created.</summary>
    public static VastCreateOutcome OfferGone(long? stray, string detail) => new(VastCreateOutcomeKind.OfferGone, null, stray, null, "no_such_ask", detail);

    /// <summary>Vast refused the request.</summary>
    public static VastCreateOutcome Refused(int status, VastErrorBody body) => new(VastCreateOutcomeKind.Refused, null, body.NewContract, status, body.Error, body.ToString());

    /// <summary>The answer was lost.</summary>
    public static VastCreateOutcome Lost(string detail) => new(VastCreateOutcomeKind.Lost, null, null, null, null, detail);
}
