// The collections mostly wait (on Azurite, on key refreshes, on lockouts), not compute: let all of them
// run at once even on a two-core machine, instead of one per core.
[assembly: CollectionBehavior(MaxParallelThreads = 8)]
