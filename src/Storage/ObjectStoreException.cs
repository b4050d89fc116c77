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

    /// <summary>True when trying again later may work: an outage, or a credential chain whose source (instance metadata, a web identity) did not answer yet.</summary>
    public bool IsTransient => Kind is ObjectStoreErrorKind.Transient or ObjectStoreErrorKind.NoCredentials;

    /// <summary>The bucket and key (or prefix) the failed call was about; null when not known.</summary>
    public S3Uri? Target { get; init; }

    /// <summary>Where the store is, as messages name it; null when not known.</summary>
    public string? Endpoint { get; init; }

    /// <summary>The store's error code (<c>NoSuchBucket</c>, <c>AccessDenied</c>…); null when it answered none.</summary>
    public string? ErrorCode { get; init; }
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
    /// <summary>No credential to sign with: the SDK's default chain found none (no keys in the environment, no profile, no role).</summary>
    NoCredentials,
    /// <summary>A network error, throttling or a 5xx that outlasted the SDK's retries; try again later.</summary>
    Transient,
    /// <summary>Anything else the store refused.</summary>
    Failed,
}
