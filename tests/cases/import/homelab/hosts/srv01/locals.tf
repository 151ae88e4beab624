locals {
  node = "srv01"
  workers = {
    "talos-w1" = { vm_id = 211, memory = 8192 }
    "talos-w2" = { vm_id = 212, memory = 8192 }
  }
}
