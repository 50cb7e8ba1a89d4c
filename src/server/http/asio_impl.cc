// Compiles Boost.Asio (with its OpenSSL stream) and Boost.Beast once for the whole project
// (separate compilation; STYLE.md "Compile times"). Every other file that uses them includes
// only their headers.
#include <boost/asio/impl/src.hpp>
#include <boost/asio/ssl/impl/src.hpp>
#include <boost/beast/src.hpp>
