"""The seeds' small numeric demos (sampling, divergences), computed at report time and tested."""
