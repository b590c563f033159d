// Result<T>: the value of a call that can fail, or the typed Error that says why.
// Every fallible engine call returns one; adapters map Error to problem+json or CLI text.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace accord::engine {

// Stable error codes. Clients rely on the names (see error_code_name); extend, never rename.
enum class ErrorCode {
    invalid_json,        // input is not well-formed JSON
    invalid_definition,  // a workflow definition failed validation
    invalid_data,        // instance data does not match the definition's data schema
    invalid_field,       // a task completion or event carries a missing or wrong field
    invalid_input,       // an input is malformed in some other way
    unknown_event,       // the definition has no such event
    event_not_allowed,   // the current state does not handle this event
    no_transition,       // the event is handled but no guard held
    task_not_found,
    task_closed,        // the task was already completed or cancelled
    forbidden,          // the actor may not do this (role, assignee, separation of duties)
    instance_finished,  // the instance reached a final state or was cancelled
    not_found,          // instance or definition missing from a store
    conflict,           // already exists, or a stale version
    runtime_error,      // the definition could not be executed on this data
    unavailable,        // storage cannot be reached now; nothing was applied, try again
    storage_error,      // storage answered with an error it should not have
};

const char* error_code_name(ErrorCode code);

struct Error {
    ErrorCode code;
    std::string message;
    std::string pointer;  // JSON Pointer to the offending place, when there is one

    std::string to_string() const;
};

// REQUIRES: access value() only when ok(); error() only when !ok().
template <typename T>
class [[nodiscard]] Result {
public:
    Result(const T& value) : v_(value) {}
    Result(T&& value) : v_(std::in_place_index<0>, std::move(value)) {}
    Result(Error error) : v_(std::in_place_index<1>, std::move(error)) {}

    bool ok() const { return v_.index() == 0; }
    explicit operator bool() const { return ok(); }

    T& value() & { return std::get<0>(v_); }
    const T& value() const& { return std::get<0>(v_); }
    T&& value() && { return std::get<0>(std::move(v_)); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }

    const Error& error() const { return std::get<1>(v_); }

private:
    std::variant<T, Error> v_;
};

struct Ok {};

template <>
class [[nodiscard]] Result<void> {
public:
    Result() = default;
    Result(Ok) {}
    Result(Error error) : error_(std::move(error)), ok_(false) {}
    bool ok() const { return ok_; }
    explicit operator bool() const { return ok_; }
    const Error& error() const { return error_; }

private:
    Error error_{ErrorCode::invalid_input, {}, {}};
    bool ok_ = true;
};

inline Error make_error(ErrorCode code, std::string message, std::string pointer = {}) {
    return Error{code, std::move(message), std::move(pointer)};
}

}  // namespace accord::engine
