# frozen_string_literal: true

# A Doorkeeper authorization server configured like Honeybee's, in one file: Rails in API mode,
# Doorkeeper's own migration as the schema (SQLite in a temporary file), the applications of
# clients.json, client credentials only, opaque tokens, token info, introspection, revocation,
# and two resources guarded by `doorkeeper_authorize!`. Puma serves it on 127.0.0.1.
#
# Run it with Debian's packages (ruby-doorkeeper, ruby-railties, ruby-activerecord,
# ruby-actionpack, ruby-sqlite3, puma):
#
#   ruby test/doorkeeper/server/honeybee_doorkeeper.rb
#
# Once it listens it prints one line to stdout and flushes it:
#
#   {"event":"listening","url":"http://127.0.0.1:PORT","port":PORT,"doorkeeper":"5.5.0",...}
#
# Environment (all optional):
#   PORT                              port to listen on (default 0: a free one)
#   DOORKEEPER_CLIENTS                the clients file (default: clients.json next to this file)
#   DOORKEEPER_PATIENTS               the patients file (default: patients.json next to this file)
#   DOORKEEPER_DATABASE               SQLite file to use and keep (default: a temporary file,
#                                     deleted on exit); an existing one is reused as it is, so a
#                                     restarted server still knows its tokens
#   DOORKEEPER_REUSE_ACCESS_TOKEN     "1": Doorkeeper's reuse_access_token
#   DOORKEEPER_REVOKE_PREVIOUS        "1": revoke_previous_client_credentials_token
#   DOORKEEPER_LOG                    "1": Rails logs requests to stderr
#
# Test control (answers only connections from the loopback interface): JSON bodies in and out.
#   POST /_control/config  {"reuse_access_token":bool,"revoke_previous":bool}  switches
#   POST /_control/reset   forgets every access token
#   POST /_control/age     {"seconds":N}  moves every token's created_at (and revoked_at) N
#                          seconds into the past, so expiry and remaining lifetimes can be
#                          tested without waiting
# SIGTERM or SIGINT stops it.

require "erb"
require "fileutils"
require "json"
require "securerandom"
require "tmpdir"

CLIENTS_FILE = ENV.fetch("DOORKEEPER_CLIENTS", File.join(__dir__, "clients.json"))
PATIENTS_FILE = ENV.fetch("DOORKEEPER_PATIENTS", File.join(__dir__, "patients.json"))
WORK_DIR = Dir.mktmpdir("honeybee-doorkeeper-")
DATABASE = ENV["DOORKEEPER_DATABASE"] || File.join(WORK_DIR, "doorkeeper.sqlite3")
ENV["DATABASE_URL"] = "sqlite3:#{DATABASE}"
ENV["RAILS_ENV"] = ENV["RACK_ENV"] = "production"

require "rails"
require "active_record/railtie"
require "action_controller/railtie"
require "doorkeeper"
require "puma"
require "puma/events"
require "puma/server"

# Honeybee's scopes, the token lifetime Honeybee answers (12 hours), its realm.
SERVER_SCOPES = %w[prescriptions:read orders:write].freeze
CLIENTS = JSON.parse(File.read(CLIENTS_FILE)).fetch("clients").freeze
PATIENTS = JSON.parse(File.read(PATIENTS_FILE)).fetch("patients")
  .to_h { |p| [p.fetch("id"), p.fetch("medicationRequest")] }
  .freeze
# Clients whose registration lists grant types without client_credentials: unauthorized_client.
NO_CLIENT_CREDENTIALS = CLIENTS
  .select { |c| c.key?("grantTypes") && !c["grantTypes"].include?("client_credentials") }
  .map { |c| c.fetch("clientId") }
  .freeze

class HoneybeeDoorkeeper < Rails::Application
  config.load_defaults 6.1
  config.api_only = true
  config.eager_load = false
  config.root = WORK_DIR
  config.secret_key_base = SecureRandom.hex(64)
  config.logger = Logger.new($stderr, level: ENV["DOORKEEPER_LOG"] == "1" ? :info : :error)
  config.log_level = ENV["DOORKEEPER_LOG"] == "1" ? :info : :error
  config.hosts.clear
  config.active_record.dump_schema_after_migration = false
end

Doorkeeper.configure do
  orm :active_record
  api_only
  base_controller "ActionController::API"
  grant_flows %w[client_credentials]
  access_token_expires_in 43_200
  optional_scopes(*SERVER_SCOPES)
  allow_grant_flow_for_client { |_flow, application| !NO_CLIENT_CREDENTIALS.include?(application.uid) }
  reuse_access_token if ENV["DOORKEEPER_REUSE_ACCESS_TOKEN"] == "1"
  revoke_previous_client_credentials_token if ENV["DOORKEEPER_REVOKE_PREVIOUS"] == "1"
end

HoneybeeDoorkeeper.initialize!

HoneybeeDoorkeeper.routes.draw do
  use_doorkeeper do
    skip_controllers :authorizations, :applications, :authorized_applications
  end
  scope "v1" do
    get "patients/:id/rx", to: "patients#rx"
    post "orders", to: "orders#create"
  end
  scope "_control" do
    post "config", to: "control#configure"
    post "reset", to: "control#reset"
    post "age", to: "control#age"
  end
end

# Partners API resources: the scope checks are Doorkeeper's; the bodies follow the emulator's
# Partners API (the same patients, orders echoed with an id, a status and a creation time).
class PatientsController < ActionController::API
  before_action -> { doorkeeper_authorize! "prescriptions:read" }

  def rx
    record = PATIENTS[params[:id]]
    if record
      render json: { medication_request: record.merge("patient_id" => params[:id]) }
    else
      render json: { error: "not_found", message: "Patient #{params[:id]} not found" }, status: :not_found
    end
  end
end

class OrdersController < ActionController::API
  before_action -> { doorkeeper_authorize! "orders:write" }
  @@sequence = 0

  def create
    @@sequence += 1
    id = "ord_#{@@sequence}"
    order = request.request_parameters.except("order").merge(
      "id" => id,
      "status" => "received",
      "created_at" => Time.now.utc.iso8601(3),
    )
    response.headers["Location"] = "/v1/orders/#{id}"
    render json: order, status: :created
  end
end

# Test-only switches. Refuses anything that did not come over the loopback interface (the
# socket's peer address, not a forwarded header).
class ControlController < ActionController::API
  before_action do
    peer = request.get_header("REMOTE_ADDR").to_s
    head :forbidden unless peer == "127.0.0.1" || peer == "::1"
  end

  def configure
    config = Doorkeeper.config
    if params.key?(:reuse_access_token)
      config.instance_variable_set(:@reuse_access_token, boolean(:reuse_access_token))
    end
    if params.key?(:revoke_previous)
      config.instance_variable_set(:@revoke_previous_client_credentials_token, boolean(:revoke_previous))
    end
    render json: {
      reuse_access_token: !!config.reuse_access_token,
      revoke_previous: config.revoke_previous_client_credentials_token?,
    }
  end

  def reset
    render json: { deleted: Doorkeeper::AccessToken.delete_all }
  end

  def age
    seconds = Integer(params.require(:seconds))
    Doorkeeper::AccessToken.find_each do |token|
      token.update_columns(
        created_at: token.created_at - seconds,
        revoked_at: token.revoked_at && token.revoked_at - seconds,
      )
    end
    render json: { aged: seconds }
  end

  private

  def boolean(name)
    value = params[name]
    raise ActionController::BadRequest, "#{name} must be a boolean" unless [true, false].include?(value)

    value
  end
end

# Schema: Doorkeeper's own migration template, rendered as `rails generate doorkeeper:migration`
# would, run once per database file.
ActiveRecord::Migration.verbose = false
unless ActiveRecord::Base.connection.table_exists?(:oauth_applications)
  _kind, doorkeeper_rb = $LOAD_PATH.resolve_feature_path("doorkeeper")
  template = File.join(File.dirname(doorkeeper_rb), "generators/doorkeeper/templates/migration.rb.erb")
  version = "[#{ActiveRecord::VERSION::MAJOR}.#{ActiveRecord::VERSION::MINOR}]"
  eval(ERB.new(File.read(template)).result_with_hash(migration_version: version), TOPLEVEL_BINDING, template) # rubocop:disable Security/Eval
  CreateDoorkeeperTables.new.migrate(:up)
  CLIENTS.each do |client|
    Doorkeeper::Application.create!(
      name: client.fetch("clientId"),
      uid: client.fetch("clientId"),
      secret: client.fetch("clientSecret"),
      scopes: client.fetch("scopes", []).join(" "),
      redirect_uri: "",
      confidential: true,
    )
  end
end
ActiveRecord::Base.connection_pool.disconnect!

server = Puma::Server.new(HoneybeeDoorkeeper, Puma::Events.strings, min_threads: 0, max_threads: 4)
server.add_tcp_listener("127.0.0.1", Integer(ENV.fetch("PORT", "0")))
port = server.connected_ports.first
thread = server.run

stop = lambda do |_signal|
  Thread.new { server.stop(true) }
end
trap("TERM", &stop)
trap("INT", &stop)

$stdout.puts JSON.generate(
  event: "listening",
  url: "http://127.0.0.1:#{port}",
  port: port,
  pid: Process.pid,
  doorkeeper: Doorkeeper::VERSION::STRING,
  rails: Rails.version,
  puma: Puma::Const::PUMA_VERSION,
  ruby: RUBY_VERSION,
)
$stdout.flush

begin
  thread.join
ensure
  FileUtils.remove_entry(WORK_DIR, true)
end
