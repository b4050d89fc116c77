namespace LoraTrainer.Testing.Commands;

/// <summary>A command could not do its job for a reason the user can fix; the message says which.</summary>
internal sealed class CommandFailedException(string message, Exception? innerException = null) : Exception(message, innerException);
