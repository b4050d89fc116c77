namespace LoraTrainer.Storage;

/// <summary>A store call failed; the message is written for the user and carries no secret.</summary>
internal sealed class ObjectStoreException(ObjectStoreErrorKind kind, string message, Exception? innerException = null)
    : Exception(message, innerException)
{
    /// <summary>What went wrong, so callers can tell the user's mistakes from passing outages.</summary>
    public ObjectStoreErrorKind Kind { get; } = kind;

    /// <summary>True when only a change by the user (bucket, credential, permissions) can fix it; retrying will not.</summary>
    public bool IsUserFixable => Kind is ObjectStoreErrorKind.AccessDenied
        or ObjectStoreErrorKind.InvalidCredentials
        or ObjectStoreErrorKind.NoSuchBucket;
}

/// <summary>Classes of store failure.</summary>
internal enum ObjectStoreErrorKind
{
    /// <summary>The credential may not do this on the bucket.</summary>
    AccessDenied,
    /// <summary>The store does not know the key id, or the secret does not match it.</summary>
    InvalidCredentials,
    /// <summary>The bucket does not exist.</summary>
    NoSuchBucket,
    /// <summary>The object does not exist.</summary>
    NotFound,
    /// <summary>A network error, throttling or a 5xx that outlasted the SDK's retries; try again later.</summary>
    Transient,
    /// <summary>Anything else the store refused.</summary>
    Failed,
}
