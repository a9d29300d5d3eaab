using Kv.Fuzz;
using Kv.Fuzz.Harnesses;

// kv-fuzz: one executable, one harness per run.
//   dotnet Kv.Fuzz.dll HARNESS                  under afl-fuzz: the SharpFuzz fork server; alone: one input from stdin
//   dotnet Kv.Fuzz.dll HARNESS PATH...          replay files (or every file of directories) without AFL; exit 1 on a failure
//   dotnet Kv.Fuzz.dll seeds PROTOCOL_MD DIR    write the seed corpus: every backticked hex example of docs/protocol.md
if (args.Length == 0)
{
    return Usage();
}

if (args[0] == "seeds")
{
    if (args.Length != 3)
    {
        return Usage();
    }

    // The seeds are checked against Kv.Protocol's command table, which is instrumented in the fuzzing build.
    Replay.ProvideCoverageMap();
    var written = SeedCorpus.Write(args[1], args[2]);
    Console.WriteLine($"{written} seed file(s) written to {args[2]}");
    return 0;
}

if (!HarnessCatalog.TryGet(args[0], out var harness))
{
    return Usage();
}

if (args.Length == 1)
{
    SharpFuzz.Fuzzer.OutOfProcess.Run(stream => harness(ReadAll(stream)));
    return 0;
}

return Replay.Run(args[0], harness, args.Skip(1));

static byte[] ReadAll(Stream stream)
{
    using var memory = new MemoryStream();
    stream.CopyTo(memory);
    return memory.ToArray();
}

static int Usage()
{
    Console.Error.WriteLine("usage: Kv.Fuzz (commands|responses|connection|auth-connection) [INPUT_FILE_OR_DIR...] | Kv.Fuzz seeds PROTOCOL_MD OUTPUT_DIR");
    return 2;
}
