global using FluentAssertions;
global using NUnit.Framework;
global using Kv.Testing;
global using Kv.Testing.Servers;
