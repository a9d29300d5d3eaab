// Load and fault cases measure latency and memory: one at a time, so that they do not disturb each other.
[assembly: NUnit.Framework.NonParallelizable]
[assembly: NUnit.Framework.LevelOfParallelism(1)]
