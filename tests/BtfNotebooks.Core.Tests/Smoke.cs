namespace BtfNotebooks.Tests; public class Smoke { [NUnit.Framework.Test] public void T() { NUnit.Framework.Assert.That(1+1, NUnit.Framework.Is.EqualTo(2)); } }
