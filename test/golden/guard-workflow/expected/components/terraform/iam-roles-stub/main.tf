# Written by create-atmos-oidc. Stands in for Cloud Posse's account-map/modules/iam-roles, which
# the providers.tf of aws-iam-role and aws-github-oidc-provider load from ../account-map/, a path
# that does not exist in an Atmos work directory. Each component's generate: section (in
# stacks/catalog/github-ci.yaml) writes iam_roles_override.tf into the work directory, pointing module "iam_roles"
# here. With every output null, provider "aws" assumes no role and uses the credentials Atmos auth
# put in the environment (the identity of the job's profile).

variable "context" {
  type        = any
  default     = null
  description = "null-label context passed by the component (unused)"
}

variable "privileged" {
  type        = bool
  default     = false
  description = "Passed by aws-github-oidc-provider (unused)"
}

output "terraform_role_arn" {
  value       = null
  description = "No role to assume: Atmos auth already holds the credentials"
}

output "terraform_profile_name" {
  value       = null
  description = "No AWS profile: Atmos auth already holds the credentials"
}

output "org_role_arn" {
  value       = null
  description = "Read by aws-github-oidc-provider only when superadmin is true"
}

output "profiles_enabled" {
  value       = false
  description = "Read by aws-github-oidc-provider: false selects terraform_role_arn (null here)"
}
