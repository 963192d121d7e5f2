using BenchmarkDotNet.Running;
using ServerlessAuth.Benchmarks;

// BenchmarkDotNet by default; the other commands are the loopback measurements of scripts/bench-*.sh.
return args.FirstOrDefault() switch
{
    "propagation" => await Propagation.RunAsync(args[1..]),
    "bare-jwt" => await BareJwtServer.RunAsync(args[1..]),
    _ => Run(args),
};

static int Run(string[] args)
{
    BenchmarkSwitcher.FromAssembly(typeof(TokenBenchmarks).Assembly).Run(args);
    return 0;
}
