namespace Kv.Testing;

/// <summary>Polling for a condition that another thread or process makes true.</summary>
public static class Waiting
{
    /// <summary>Polls every 10 ms until <paramref name="condition"/> holds or <paramref name="timeout"/> has passed.</summary>
    /// <returns>Whether the condition held.</returns>
    public static async Task<bool> UntilAsync(Func<bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                return false;
            }

            await Task.Delay(10);
        }

        return true;
    }

    /// <summary>Polls every 50 ms until an asynchronous <paramref name="condition"/> holds or <paramref name="timeout"/> has passed.</summary>
    /// <returns>Whether the condition held.</returns>
    public static async Task<bool> UntilAsync(Func<Task<bool>> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                return false;
            }

            await Task.Delay(50);
        }

        return true;
    }

    /// <summary>Polls every 10 ms until <paramref name="condition"/> holds; cancelled by <paramref name="cancellationToken"/>.</summary>
    public static async Task UntilAsync(Func<bool> condition, CancellationToken cancellationToken)
    {
        while (!condition())
        {
            await Task.Delay(10, cancellationToken);
        }
    }
}
