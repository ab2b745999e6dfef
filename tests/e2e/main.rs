//! End-to-end tests against moto_server.
