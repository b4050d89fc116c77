namespace LoraTrainer.Operator.Vast.Api;

/// <summary>An answer that carries Vast's own verdict next to the HTTP status.</summary>
/// <remarks>
/// Vast sometimes answers 200 with <c>{"success": false, "error": …, "msg": …}</c>. Read as a success, a refused
/// listing would look like an empty account (and the label lookup would create a second instance), so the client
/// treats such an answer as the error it is.
/// </remarks>
internal interface IVastAnswer
{
    /// <summary>Whether Vast reports success; absent on most successful answers.</summary>
    bool? Success { get; }

    /// <summary>Vast's error code, e.g. <c>auth_error</c>.</summary>
    string? Error { get; }

    /// <summary>Vast's human-readable error.</summary>
    string? Msg { get; }
}
