"""Request and response bodies. Outputs read what any app may have stored
(plain strings, not enums) so a row written elsewhere never fails a response."""
